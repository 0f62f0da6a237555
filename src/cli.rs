//! The command line: every clap type, and the argument rules of spec §3 that
//! clap cannot express by itself (see [`prepare_args`]).
//!
//! Commands keep the original's snake_case names and positional arguments.
//! A positional argument that begins with `-` is a value; only the options a
//! command lists are options; `--help`/`-h` print help wherever they appear.

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "shipctl",
    version,
    long_version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SHIPCTL_TARGET"), ")"),
    about = "Read a CI job's metadata and do its routine chores",
    disable_help_subcommand = true,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// A lookup that finds nothing prints nothing and exits 1 (also SHIPCTL_STRICT=1)
    #[arg(long)]
    pub strict: bool,

    /// Trace on stderr every variable and file a lookup tries (values masked; also SHIPCTL_EXPLAIN=1)
    #[arg(long)]
    pub explain: bool,

    /// Load KEY=VALUE lines into the lookup environment first (replays a job on a laptop)
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

// A required, non-empty positional value (an empty string counts as missing).
// (Args structs carry no doc comment: it would replace the command's about.)
#[derive(Debug, Args)]
pub struct Res {
    /// Resource name, as in the job's YML (e.g. my-aws-keys-1)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
}

#[derive(Debug, Args)]
pub struct ResKey {
    /// Resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Key (any case; sanitized and upper-cased for the variable name)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub key: String,
}

#[derive(Debug, Args)]
pub struct Text {
    /// The string
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub s: String,
}

#[derive(Debug, Args)]
pub struct IntegrationResource {
    /// Resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Field (a §5 path); without it, the whole integration.json
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub field: Option<String>,
}

#[derive(Debug, Args)]
pub struct IntegrationKeys {
    /// Integration name, as attached to the job
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub int: String,
}

#[derive(Debug, Args)]
pub struct IntegrationField {
    /// Integration name, as attached to the job
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub int: String,
    /// Field name (any case)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub field: String,
}

#[derive(Debug, Args)]
pub struct JsonValue {
    /// JSON file (`-` reads standard input)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub file: String,
    /// Path such as a.b[0].c or ["odd.key"]; empty or missing: the whole document
    pub path: Option<String>,
}

#[derive(Debug, Subcommand)]
// `defer`: a subcommand's arguments are only built when it is used, so an
// ordinary call does not pay for the other forty-odd commands.
#[command(rename_all = "snake_case", defer = true)]
pub enum Command {
    // --- Resource and job information (issue 2) ---
    /// Remove every character but A-Z a-z 0-9 _
    #[command(after_help = "Example:\n  shipctl sanitize_shippable_string my-key-1   # mykey1")]
    SanitizeShippableString(Text),

    /// Upper-case with full Unicode rules
    #[command(after_help = "Example:\n  shipctl to_uppercase déjà-vu   # DÉJÀ-VU")]
    ToUppercase(Text),

    /// The variable prefix of a resource (sanitized, leading digits removed, upper-cased)
    #[command(after_help = "Example:\n  shipctl get_resource_name my-key-1   # MYKEY1")]
    GetResourceName(Res),

    /// $<R>_ID, else resourceId of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_id my-image")]
    GetResourceId(Res),

    /// $<R>_META, else the resource folder
    #[command(after_help = "Example:\n  cd \"$(shipctl get_resource_meta my-repo)\"")]
    GetResourceMeta(Res),

    /// $<R>_STATE, else <resource folder>/<type>
    #[command(after_help = "Example:\n  ls \"$(shipctl get_resource_state my-repo)\"")]
    GetResourceState(Res),

    /// Deprecated alias of get_resource_state
    #[command(after_help = "Example:\n  shipctl get_resource_path my-repo")]
    GetResourcePath(Res),

    /// $<R>_OPERATION (IN or OUT), else operation of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_operation my-image")]
    GetResourceOperation(Res),

    /// $<R>_TYPE, else type of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_type my-image")]
    GetResourceType(Res),

    /// $<R>_<ENV>, e.g. commit, branch, is_pull_request
    #[command(after_help = "Example:\n  shipctl get_resource_env my-repo commit")]
    GetResourceEnv(ResEnv),

    /// $<R>_VERSIONNAME, else version.versionName of version.json
    #[command(after_help = "Example:\n  TAG=$(shipctl get_resource_version_name my-image)")]
    GetResourceVersionName(Res),

    /// $<R>_VERSIONID, else version.versionId of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_version_id my-image")]
    GetResourceVersionId(Res),

    /// $<R>_VERSIONNUMBER, else version.versionNumber of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_version_number my-image")]
    GetResourceVersionNumber(Res),

    /// $<R>_PARAMS_<KEY>, else version.propertyBag.params of version.json
    #[command(after_help = "Example:\n  DB=$(shipctl get_params_resource app-params db_host)")]
    GetParamsResource(ResKey),

    /// A value of version.json: version.KEY or version.propertyBag.KEY (KEY is a path)
    #[command(
        after_help = "Examples:\n  shipctl get_resource_version_key my-image versionName\n  shipctl get_resource_version_key my-repo shaData.commitSha"
    )]
    GetResourceVersionKey(ResKey),

    /// propertyBag.yml.pointer.KEY of version.json
    #[command(after_help = "Example:\n  shipctl get_resource_pointer_key my-cluster sourceName")]
    GetResourcePointerKey(ResKey),

    /// The integration.json of a resource, or one field of it
    #[command(
        after_help = "Examples:\n  shipctl get_integration_resource my-aws-keys\n  shipctl get_integration_resource my-aws-keys accessKey"
    )]
    GetIntegrationResource(IntegrationResource),

    /// The field names of a resource's integration.env, one a line
    #[command(after_help = "Example:\n  shipctl get_integration_resource_keys my-aws-keys")]
    GetIntegrationResourceKeys(Res),

    /// $<R>_INTEGRATION_<FIELD>, else that field of integration.json
    #[command(
        after_help = "Example:\n  KEY=$(shipctl get_integration_resource_field my-aws-keys accessKey)"
    )]
    GetIntegrationResourceField(ResKey),

    /// The field names of a job integration's integration.env
    #[command(after_help = "Example:\n  shipctl get_integration_keys dockerhub")]
    GetIntegrationKeys(IntegrationKeys),

    /// A field of an integration attached to the job
    #[command(after_help = "Example:\n  shipctl get_integration_field dockerhub username")]
    GetIntegrationField(IntegrationField),

    // --- State (issue 4) ---
    /// Replace $JOB_STATE/RES.env with KEY=VALUE
    #[command(
        after_help = "Example:\n  shipctl post_resource_state my-image tag \"$BUILD_NUMBER\""
    )]
    PostResourceState(StatePair),

    /// Append KEY=VALUE to $JOB_STATE/RES.env
    #[command(after_help = "Example:\n  shipctl put_resource_state my-image commit \"$COMMIT\"")]
    PutResourceState(StatePair),

    /// Replace $JOB_STATE/RES.env with KEY=VALUE pairs (split on white space)
    #[command(
        after_help = "Example:\n  shipctl post_resource_state_multi my-image \"tag=$TAG commit=$COMMIT\""
    )]
    PostResourceStateMulti(StateMulti),

    /// Append KEY=VALUE pairs (split on white space) to $JOB_STATE/RES.env
    #[command(
        after_help = "Example:\n  shipctl put_resource_state_multi my-image \"tag=$TAG\" \"commit=$COMMIT\""
    )]
    PutResourceStateMulti(StateMulti),

    /// Copy a file or folder into $JOB_STATE
    #[command(after_help = "Example:\n  shipctl copy_file_to_state terraform.tfstate")]
    CopyFileToState(StatePath),

    /// Copy FILE (file or folder) of $JOB_PREVIOUS_STATE to TO, if it is there
    #[command(after_help = "Example:\n  shipctl copy_file_from_prev_state terraform.tfstate .")]
    CopyFileFromPrevState(FromPrevState),

    /// Copy PATH into $JOB_STATE, else its name from $JOB_PREVIOUS_STATE
    #[command(after_help = "Example:\n  shipctl refresh_file_to_state terraform.tfstate")]
    RefreshFileToState(StatePath),

    /// Copy FILE of an IN resource's state (IN/RES/<type>/FILE) to TO
    #[command(
        after_help = "Example:\n  shipctl copy_file_from_resource_state tf-state terraform.tfstate ."
    )]
    CopyFileFromResourceState(FromResourceState),

    /// Alias of copy_file_from_resource_state
    #[command(
        after_help = "Example:\n  shipctl copy_resource_file_from_state tf-state terraform.tfstate ."
    )]
    CopyResourceFileFromState(FromResourceState),

    /// Copy PATH into OUT/RES/state/, else its name from IN/RES/state/
    #[command(
        after_help = "Example:\n  shipctl copy_file_to_resource_state terraform.tfstate tf-state"
    )]
    CopyFileToResourceState(ToResourceState),

    /// Alias of copy_file_to_resource_state
    #[command(
        after_help = "Example:\n  shipctl refresh_file_to_out_path terraform.tfstate tf-state"
    )]
    RefreshFileToOutPath(ToResourceState),

    /// Copy an IN resource's files and/or metadata to an OUT resource or the job
    #[command(
        after_help = "Examples:\n  shipctl replicate my-image-in my-image-out\n  shipctl replicate app-repo app-repo-out --match-settings\n  shipctl replicate my-image-in \"$JOB_NAME\" --metadata-only"
    )]
    Replicate(ReplicateArgs),

    // --- Utilities (issues 2, 4, 6) ---
    /// The value at PATH of a JSON file, printed like jq -r
    #[command(
        after_help = "Examples:\n  shipctl get_json_value build.json version\n  shipctl get_json_value deploy.json 'services[0][\"image-name\"]'\n  curl -s URL | shipctl get_json_value - items[0].id"
    )]
    GetJsonValue(JsonValue),

    /// Bump a semantic version: major, minor, patch, alpha, beta, rc or final
    #[command(
        after_help = "Examples:\n  shipctl bump_version v1.2.3 minor     # v1.3.0\n  shipctl bump_version 1.2.3-rc.1 rc    # 1.2.3-rc.2"
    )]
    BumpVersion(BumpVersion),

    /// Replace $NAME and ${NAME} in files with the variables' values, in place
    #[command(after_help = "Example:\n  shipctl replace deploy.yml k8s/service.json")]
    Replace(Replace),

    /// Run a command until it succeeds (3 tries by default)
    #[command(
        after_help = "Examples:\n  shipctl retry docker push my/image:tag\n  shipctl retry --attempts 5 --delay 2 -- curl -fsS https://example.com/health\n  shipctl retry \"docker push x\"   # a single string runs through sh -c"
    )]
    Retry(Retry),

    /// Files (or folders) changed in a commit range of a git repository
    #[command(
        after_help = "Examples:\n  shipctl get_git_changes --path=. --commit-range=HEAD~1..HEAD\n  shipctl get_git_changes --resource=my-repo --directories-only --depth=1"
    )]
    GetGitChanges(GitChanges),

    /// The test files of this shard, balanced by the timings of JUnit reports
    #[command(
        after_help = "Example:\n  bundle exec rspec $(shipctl split_tests spec '*_spec.rb' shippable/testresults)"
    )]
    SplitTests(SplitTests),

    /// Decrypt FILE (base64, RSA-OAEP) into FILE.decrypted
    #[command(after_help = "Example:\n  shipctl decrypt secrets.enc /tmp/ssh/00_sub")]
    Decrypt(Decrypt),

    /// Send a message through a notification resource (Slack, webhook, IRC, NewRelic, Airbrake, Jira)
    #[command(after_help = NOTIFY_HELP)]
    Notify(Notify),

    /// Print `export JAVA_HOME=… PATH=…` lines for an installed JDK, for eval
    #[command(after_help = JDK_HELP)]
    Jdk(Jdk),
    // --- New in this tool (issues 3, 5) ---
    /// Write the AWS credentials of a resource as an AWS CLI profile
    #[command(
        after_help = "Examples:\n  shipctl configure_aws my-aws-keys\n  shipctl configure_aws my-aws-keys --profile ci --region eu-west-1\n  shipctl configure_aws my-aws-keys --profile ci --remove\n\nFiles: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials ([NAME]) and\n$AWS_CONFIG_FILE or ~/.aws/config ([default] or [profile NAME], region)."
    )]
    ConfigureAws(ConfigureAws),

    /// Print the AWS credentials of a resource as environment variables
    #[command(
        after_help = "Examples:\n  eval \"$(shipctl aws_env my-aws-keys)\"\n  shipctl aws_env my-aws-keys --format fish | source\n  credential_process = shipctl aws_env my-aws-keys --format json"
    )]
    AwsEnv(AwsEnv),

    /// The completion script for a shell (names and values are completed live)
    #[command(
        after_help = "Examples:\n  source <(shipctl completions bash)\n  shipctl completions fish > ~/.config/fish/completions/shipctl.fish"
    )]
    Completions(CompletionsArgs),

    /// Print the manual page (roff): `shipctl man | man -l -`
    #[command(hide = true, after_help = "Example:\n  shipctl man | man -l -")]
    Man,
}

#[derive(Debug, Args)]
pub struct ConfigureAws {
    /// Resource name of the AWS integration
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Profile to write or remove [default: default]
    #[arg(long, value_name = "NAME", value_parser = NonEmptyStringValueParser::new())]
    pub profile: Option<String>,
    /// Region to write [default: the resource's region, if any]
    #[arg(long, value_name = "R", conflicts_with = "remove", value_parser = NonEmptyStringValueParser::new())]
    pub region: Option<String>,
    /// Remove the profile's sections from both files, nothing else
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Args)]
pub struct AwsEnv {
    /// Resource name of the AWS integration
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = AwsEnvFormat::Sh)]
    pub format: AwsEnvFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AwsEnvFormat {
    /// `export NAME='value'` lines for sh, bash, zsh
    Sh,
    /// `set -gx NAME 'value'` lines
    Fish,
    /// `$Env:NAME = 'value'` lines
    Powershell,
    /// `NAME="value"` lines (the integration.env format)
    Dotenv,
    /// The AWS `credential_process` JSON
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// A shell that `shipctl completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub struct StatePair {
    /// Resource name (the file is $JOB_STATE/RES.env)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Key, written as given
    pub key: OsString,
    /// Value, written as given (may be empty; no newline)
    pub value: OsString,
}

#[derive(Debug, Args)]
pub struct StateMulti {
    /// Resource name (the file is $JOB_STATE/RES.env)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// KEY=VALUE pairs; each argument is split on white space
    #[arg(required = true, num_args = 1..)]
    pub pairs: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct StatePath {
    /// A file or folder
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct FromPrevState {
    /// Path inside $JOB_PREVIOUS_STATE (a file or folder)
    pub file: PathBuf,
    /// Where to copy it (an existing folder: into it)
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct FromResourceState {
    /// IN resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Path inside the resource's state folder (a file or folder)
    pub file: PathBuf,
    /// Where to copy it (an existing folder: into it)
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct ToResourceState {
    /// A file or folder
    pub path: PathBuf,
    /// OUT resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
}

#[derive(Debug, Args)]
pub struct ReplicateArgs {
    /// IN resource to copy from
    #[arg(value_parser = NonEmptyStringValueParser::new(), allow_hyphen_values = true)]
    pub from: String,
    /// OUT resource to copy to, or $JOB_NAME for the job itself
    #[arg(value_parser = NonEmptyStringValueParser::new(), allow_hyphen_values = true)]
    pub to: String,
    /// Copy the files only
    #[arg(long, conflicts_with = "metadata_only")]
    pub files_only: bool,
    /// Copy the metadata (version.propertyBag) only
    #[arg(long)]
    pub metadata_only: bool,
    /// Of the metadata, copy only shaData, webhookRequestHeaders and webhookRequestBody
    #[arg(long)]
    pub webhook_data_only: bool,
    /// Repository resources: replicate only when FROM's branch or tag matches TO's settings
    #[arg(long)]
    pub match_settings: bool,
}

#[derive(Debug, Args)]
pub struct Notify {
    /// The notification resource, as in the job's YML
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Options, spelled --name=value, --name value, -name value or -name=value (listed below)
    #[arg(
        value_name = "OPTIONS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

const NOTIFY_HELP: &str = "\
Options (each also read from NOTIFY_<NAME>, e.g. NOTIFY_TEXT, NOTIFY_ICON_URL,
NOTIFY_PROJECT_ID; the command line wins; written --name=value, --name value,
-name value or -name=value):
  --text TEXT          message (default: [$JOB_NAME] <$BUILD_URL|Build#$BUILD_NUMBER>,
                       for runCI [$REPO_FULL_NAME:$BRANCH] …)
  --pretext TEXT       line above the message (default: the date and time)
  --username NAME      sender (default Shippable; IRC: Shippable-$BUILD_NUMBER)
  --password PASS      IRC server password (default none)
  --recipient R        one recipient instead of the resource's recipients
                       (Slack channel, IRC server[:port]#channel)
  --color C            attachment colour (default #65cea7)
  --icon_url URL       sender icon
  --payload FILE       send this JSON file as the body instead of the built one
  --type T             NewRelic object type (deployment), Airbrake deploy, Jira issue type
  --revision R, --description D, --changelog C        NewRelic deployment
  --appId ID, --appName NAME                          NewRelic application
  --project-id ID, --environment E, --email E,
  --repository R, --version V                         Airbrake deploy (--project-id: Jira key)
  --summary S, --attach-file FILE                     Jira issue

SHIPCTL_NOTIFY_TIMEOUT (seconds, default 30) bounds each request.

Examples:
  shipctl notify slack-res --text=\"Deployed $TAG\"
  shipctl notify newrelic-res --appName=web --type=deployment --revision \"$SHA\"
  shipctl notify jira-res --project-id OPS --type Bug --summary \"Build failed\" --attach-file log.txt";

#[derive(Debug, Args)]
pub struct Jdk {
    /// `set` (then VERSION), or the VERSION itself
    #[arg(value_name = "set|VERSION", value_parser = NonEmptyStringValueParser::new())]
    pub action: String,
    /// openjdk7 … openjdk21, oraclejdk8 … oraclejdk21
    #[arg(value_name = "VERSION", value_parser = NonEmptyStringValueParser::new())]
    pub jdk: Option<String>,
}

const JDK_HELP: &str = "\
A program cannot change the shell that runs it, so jdk prints the commands and
the shell runs them. JDKs are looked for in /usr/lib/jvm (or $SHIPCTL_JVM_DIR).

Example:
  eval \"$(shipctl jdk set openjdk17)\"";

#[derive(Debug, Args)]
pub struct ResEnv {
    /// Resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Variable suffix (e.g. commit, is_pull_request)
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub env: String,
}

#[derive(Debug, Args)]
pub struct BumpVersion {
    /// A semantic version such as 1.2.3, v1.2.3 or 1.2.3-rc.1
    #[arg(id = "semver", value_name = "VERSION", value_parser = NonEmptyStringValueParser::new())]
    pub version: String,
    /// major, minor, patch, alpha, beta, rc or final
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub action: String,
}

#[derive(Debug, Args)]
pub struct Replace {
    /// Files to rewrite in place
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct Retry {
    /// How many times to run the command at most
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub attempts: u32,
    /// Seconds to wait before the second try, doubled before each further one
    #[arg(long, value_name = "SECS", default_value_t = 0.0, value_parser = parse_delay)]
    pub delay: f64,
    /// The command and its arguments, passed on as given
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// A delay in seconds: a finite, non-negative number.
fn parse_delay(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(d) if (0.0..=86_400.0 * 365.0).contains(&d) => Ok(d),
        _ => Err(format!("{s:?} is not a number of seconds (0 or more)")),
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("repo").required(true).args(["path", "resource"])))]
pub struct GitChanges {
    /// The git repository's folder
    #[arg(long, value_name = "DIR", value_parser = NonEmptyStringValueParser::new())]
    pub path: Option<String>,
    /// A gitRepo resource: its state folder, and its commit range from version.json
    #[arg(long, value_name = "RES", value_parser = NonEmptyStringValueParser::new())]
    pub resource: Option<String>,
    /// The range to compare (default: $SHIPPABLE_COMMIT_RANGE, or the resource's)
    #[arg(long, value_name = "R", value_parser = NonEmptyStringValueParser::new(), allow_hyphen_values = true)]
    pub commit_range: Option<String>,
    /// Print the changed files' folders (with a trailing /) instead of the files
    #[arg(long)]
    pub directories_only: bool,
    /// Print only the path component at this depth (1 = top level)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub depth: usize,
}

#[derive(Debug, Args)]
pub struct SplitTests {
    /// Folder searched for test files
    pub test_path: std::path::PathBuf,
    /// Base-name pattern of a test file (as find -name), e.g. '*_test.rb'
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub name_glob: String,
    /// Folder of the JUnit XML reports of earlier runs
    pub reports_path: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct Decrypt {
    /// Base64 file to decrypt (the result goes to FILE.decrypted)
    pub file: std::path::PathBuf,
    /// PEM private key (default /tmp/ssh/00_sub, then /tmp/00_sub)
    pub keyfile: Option<std::path::PathBuf>,
}

/// The groups of `shipctl --help`, in the spec's order. A command missing
/// here is listed under "Other".
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "Resource and job information",
        &[
            "sanitize_shippable_string",
            "to_uppercase",
            "get_resource_name",
            "get_resource_id",
            "get_resource_meta",
            "get_resource_state",
            "get_resource_path",
            "get_resource_operation",
            "get_resource_type",
            "get_resource_env",
            "get_resource_version_name",
            "get_resource_version_id",
            "get_resource_version_number",
            "get_params_resource",
            "get_resource_version_key",
            "get_resource_pointer_key",
            "get_integration_resource",
            "get_integration_resource_keys",
            "get_integration_resource_field",
            "get_integration_keys",
            "get_integration_field",
        ],
    ),
    (
        "State",
        &[
            "post_resource_state",
            "put_resource_state",
            "post_resource_state_multi",
            "put_resource_state_multi",
            "copy_file_to_state",
            "copy_file_from_prev_state",
            "refresh_file_to_state",
            "copy_file_from_resource_state",
            "copy_resource_file_from_state",
            "copy_file_to_resource_state",
            "refresh_file_to_out_path",
            "replicate",
        ],
    ),
    (
        "Utilities",
        &[
            "get_json_value",
            "bump_version",
            "replace",
            "retry",
            "get_git_changes",
            "split_tests",
            "decrypt",
            "notify",
            "jdk",
        ],
    ),
    (
        "New in this tool",
        &["configure_aws", "aws_env", "completions", "man"],
    ),
];

/// The clap command. The grouped command list of `shipctl --help` is only
/// built when the top level's help or usage can be shown (no known command
/// name in `args`), so that ordinary calls do not pay for it.
pub fn command(args: &[OsString]) -> clap::Command {
    let cmd = Cli::command();
    let i = command_index(args);
    if args
        .get(i)
        .and_then(|a| a.to_str())
        .is_some_and(|n| cmd.find_subcommand(n).is_some())
    {
        return cmd;
    }
    let template = format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{}Options:\n{{options}}{{after-help}}",
        grouped_commands(&cmd)
    );
    cmd.help_template(template).after_help(
        "Run `shipctl COMMAND --help` for a command's arguments and an example.\n\
         Exit codes: 0 ok, 1 failure, 99 usage error or missing file, 82 replace on a folder, 100 decrypt key missing.",
    )
}

fn grouped_commands(cmd: &clap::Command) -> String {
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    let width = subs.iter().map(|s| s.get_name().len()).max().unwrap_or(0);
    let line = |s: &clap::Command| {
        let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
        format!("  {:width$}  {}\n", s.get_name(), about)
    };
    let mut text = String::new();
    for (group, names) in GROUPS {
        let members: Vec<_> = names
            .iter()
            .filter_map(|n| subs.iter().find(|s| s.get_name() == *n))
            .collect();
        if members.is_empty() {
            continue;
        }
        text.push_str(&format!("{group}:\n"));
        for s in members {
            text.push_str(&line(s));
        }
        text.push('\n');
    }
    let others: Vec<_> = subs
        .iter()
        .filter(|s| !GROUPS.iter().any(|(_, n)| n.contains(&s.get_name())))
        .collect();
    if !others.is_empty() {
        text.push_str("Other:\n");
        for s in others {
            text.push_str(&line(s));
        }
        text.push('\n');
    }
    text
}

/// The commands scripts call in loops, parsed without clap when their
/// arguments are plain: the command name first (no global option), the
/// exact number of arguments, none empty, valid UTF-8 where a name is
/// expected, and no `-h`/`--help`. Everything else — and every other
/// command — goes to clap, which has the messages. Skipping clap here saves
/// about a tenth of a lookup's time; `fast_parse_agrees_with_clap` keeps the
/// two in step.
pub fn fast_parse(args: &[OsString]) -> Option<Command> {
    let [_, name, rest @ ..] = args else {
        return None;
    };
    if rest
        .iter()
        .any(|a| a.is_empty() || a == "-h" || a == "--help")
    {
        return None;
    }
    let text = |i: usize| rest.get(i)?.to_str().map(str::to_string);
    let one = || (rest.len() == 1).then(|| text(0)).flatten();
    let two = || {
        (rest.len() == 2)
            .then(|| Some((text(0)?, text(1)?)))
            .flatten()
    };
    let res = || one().map(|res| Res { res });
    let res_key = || two().map(|(res, key)| ResKey { res, key });
    use Command as C;
    Some(match name.to_str()? {
        "sanitize_shippable_string" => C::SanitizeShippableString(Text { s: one()? }),
        "to_uppercase" => C::ToUppercase(Text { s: one()? }),
        "get_resource_name" => C::GetResourceName(res()?),
        "get_resource_id" => C::GetResourceId(res()?),
        "get_resource_meta" => C::GetResourceMeta(res()?),
        "get_resource_state" => C::GetResourceState(res()?),
        "get_resource_path" => C::GetResourcePath(res()?),
        "get_resource_operation" => C::GetResourceOperation(res()?),
        "get_resource_type" => C::GetResourceType(res()?),
        "get_resource_env" => C::GetResourceEnv(two().map(|(res, env)| ResEnv { res, env })?),
        "get_resource_version_name" => C::GetResourceVersionName(res()?),
        "get_resource_version_id" => C::GetResourceVersionId(res()?),
        "get_resource_version_number" => C::GetResourceVersionNumber(res()?),
        "get_params_resource" => C::GetParamsResource(res_key()?),
        "get_resource_version_key" => C::GetResourceVersionKey(res_key()?),
        "get_resource_pointer_key" => C::GetResourcePointerKey(res_key()?),
        "get_integration_resource_keys" => C::GetIntegrationResourceKeys(res()?),
        "get_integration_resource_field" => C::GetIntegrationResourceField(res_key()?),
        "get_integration_keys" => C::GetIntegrationKeys(IntegrationKeys { int: one()? }),
        "get_integration_field" => {
            C::GetIntegrationField(two().map(|(int, field)| IntegrationField { int, field })?)
        }
        "post_resource_state" | "put_resource_state" if rest.len() == 3 => {
            let pair = StatePair {
                res: text(0)?,
                key: rest[1].clone(),
                value: rest[2].clone(),
            };
            match name.to_str()? {
                "post_resource_state" => C::PostResourceState(pair),
                _ => C::PutResourceState(pair),
            }
        }
        _ => return None,
    })
}

/// Global options that take a value (they go before the command name).
const GLOBAL_WITH_VALUE: &[&str] = &["--env-file"];
/// Global flags.
const GLOBAL_FLAGS: &[&str] = &["--strict", "--explain"];

/// Rewrite argv so that clap applies spec §3:
/// - `--help`/`-h` anywhere after the command name asks for that command's
///   help (except among the words `retry` runs, which clap leaves alone);
/// - for a command without options every argument is a value, so `--` is
///   put before them (`to_uppercase -n` prints `-N`).
pub fn prepare_args(cmd: &clap::Command, mut args: Vec<OsString>) -> Vec<OsString> {
    let i = command_index(&args);
    let Some(name) = args.get(i).and_then(|a| a.to_str()) else {
        return args;
    };
    let Some(sub) = cmd.find_subcommand(name) else {
        return args;
    };
    // Build the (deferred) arguments of this one command to look at them.
    let mut sub = sub.clone();
    sub.build();
    let has_options = sub
        .get_arguments()
        .any(|a| a.get_long().is_some() && a.get_id() != "help" && a.get_id() != "version");
    let rest = &args[i + 1..];
    let wants_help = rest.iter().any(|a| a == "--help" || a == "-h");
    if wants_help && !has_options {
        args.truncate(i + 1);
        args.push("--help".into());
    } else if !has_options {
        // After `--` even a literal `--` among the values is a value.
        args.insert(i + 1, "--".into());
    }
    args
}

/// The index of the command name in argv: the first argument after the
/// global options.
fn command_index(args: &[OsString]) -> usize {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if GLOBAL_FLAGS.contains(&a.as_ref()) {
            i += 1;
        } else if GLOBAL_WITH_VALUE.contains(&a.as_ref()) {
            i += 2;
        } else if GLOBAL_WITH_VALUE
            .iter()
            .any(|g| a.starts_with(&format!("{g}=")))
        {
            i += 1;
        } else {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    fn prepared(args: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        prepare_args(&command(&args), args.clone())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn values_that_look_like_options_are_values() {
        assert_eq!(
            prepared(&["shipctl", "to_uppercase", "-n"]),
            ["shipctl", "to_uppercase", "--", "-n"]
        );
        assert_eq!(
            prepared(&[
                "shipctl",
                "--strict",
                "--env-file",
                "f",
                "get_resource_id",
                "--x"
            ]),
            [
                "shipctl",
                "--strict",
                "--env-file",
                "f",
                "get_resource_id",
                "--",
                "--x"
            ]
        );
    }

    #[test]
    fn help_anywhere() {
        assert_eq!(
            prepared(&["shipctl", "get_resource_id", "res", "-h"]),
            ["shipctl", "get_resource_id", "--help"]
        );
    }

    #[test]
    fn every_command_has_its_own_about() {
        // Deferred subcommands take the doc comment of their Args struct as
        // their about when the struct has one: keep those structs undocumented.
        let mut cmd = Cli::command();
        cmd.build();
        let mut seen = std::collections::HashMap::new();
        for sub in cmd.get_subcommands() {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(!about.is_empty(), "{} has no about", sub.get_name());
            if let Some(other) = seen.insert(about.clone(), sub.get_name().to_string()) {
                panic!("{} and {other} share the about {about:?}", sub.get_name());
            }
        }
    }

    #[test]
    fn every_command_is_in_a_group() {
        for sub in Cli::command().get_subcommands() {
            assert!(
                GROUPS.iter().any(|(_, n)| n.contains(&sub.get_name())),
                "{} is in no help group",
                sub.get_name()
            );
        }
    }

    #[test]
    fn fast_parse_agrees_with_clap() {
        let cases: &[&[&str]] = &[
            &["sanitize_shippable_string", "my-key-1"],
            &["to_uppercase", "-n"],
            &["get_resource_name", "1st.aws"],
            &["get_resource_id", "app"],
            &["get_resource_meta", "app"],
            &["get_resource_state", "app"],
            &["get_resource_path", "app"],
            &["get_resource_operation", "app"],
            &["get_resource_type", "--strict"],
            &["get_resource_env", "app", "commit"],
            &["get_resource_version_name", "app"],
            &["get_resource_version_id", "app"],
            &["get_resource_version_number", "app"],
            &["get_params_resource", "app", "db-host"],
            &["get_resource_version_key", "app", "a.b[0]"],
            &["get_resource_pointer_key", "app", "region"],
            &["get_integration_resource_keys", "keys"],
            &["get_integration_resource_field", "keys", "accessKey"],
            &["get_integration_keys", "int"],
            &["get_integration_field", "int", "token"],
            &["post_resource_state", "res", "-n", "v w"],
            &["put_resource_state", "res", "K", "--"],
        ];
        for case in cases {
            let args: Vec<OsString> = std::iter::once("shipctl")
                .chain(case.iter().copied())
                .map(OsString::from)
                .collect();
            let fast =
                fast_parse(&args).unwrap_or_else(|| panic!("{case:?} is not on the fast path"));
            let cmd = command(&args);
            let matches = cmd
                .try_get_matches_from(prepare_args(&command(&args), args.clone()))
                .unwrap();
            let slow = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap();
            assert_eq!(
                format!("{fast:?}"),
                format!("{:?}", slow.command),
                "{case:?}"
            );
        }
        // What the fast path leaves to clap.
        let not_fast: &[&[&str]] = &[
            &["get_resource_id"],
            &["get_resource_id", ""],
            &["get_resource_id", "a", "b"],
            &["get_resource_id", "--help"],
            &["--strict", "get_resource_id", "a"],
            &["put_resource_state", "res", "K", ""],
            &["get_integration_resource", "res"],
            &["frobnicate", "x"],
        ];
        for case in not_fast {
            let args: Vec<OsString> = std::iter::once("shipctl")
                .chain(case.iter().copied())
                .map(OsString::from)
                .collect();
            assert!(fast_parse(&args).is_none(), "{case:?}");
        }
    }
}
