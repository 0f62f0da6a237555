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
    // What usage lines say whatever the file is called (`shipctl.exe`).
    bin_name = "shipctl",
    version,
    long_version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SHIPCTL_TARGET"), ")"),
    about = "Read a CI job's metadata and do its routine chores",
    disable_help_subcommand = true,
    // No effect on what is accepted (the top level requires no argument);
    // it spares clap the usage text it would otherwise build for the
    // subcommand on every call.
    subcommand_negates_reqs = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// A lookup that finds nothing prints nothing and exits 1 (also SHIPCTL_STRICT=1, true, yes or on)
    #[arg(long)]
    pub strict: bool,

    /// Trace on stderr every variable and file a lookup tries (values masked; also SHIPCTL_EXPLAIN=1, true, yes or on)
    #[arg(long)]
    pub explain: bool,

    /// Load KEY=VALUE lines into the lookup environment first (replays a job on a laptop)
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// A positional value type of [`positionals!`]: its clap value parser and
/// the same rule without clap.
trait Positional: Sized {
    fn parser() -> clap::builder::ValueParser;
    fn fast(arg: &OsString) -> Option<Self>;
}

/// A non-empty UTF-8 value (an empty string counts as missing, spec §3).
impl Positional for String {
    fn parser() -> clap::builder::ValueParser {
        NonEmptyStringValueParser::new().into()
    }
    fn fast(arg: &OsString) -> Option<String> {
        arg.to_str().filter(|a| !a.is_empty()).map(str::to_string)
    }
}

/// Any value, written as given (may be empty).
impl Positional for OsString {
    fn parser() -> clap::builder::ValueParser {
        clap::builder::ValueParser::os_string()
    }
    fn fast(arg: &OsString) -> Option<OsString> {
        Some(arg.clone())
    }
}

/// The arguments of a command that takes only required positional values:
/// one list gives both the clap definition and the parse without clap of
/// [`fast_parse`], so that the two cannot disagree.
/// (Args structs carry no doc comment: it would become the command's about.)
/// A field may give the name its value shows in usage and help
/// (`text as "S": String`); by default clap upper-cases the field's name.
macro_rules! positionals {
    ($name:ident { $( $(#[doc = $doc:literal])* $field:ident $(as $shown:literal)?: $ty:ident, )* }) => {
        #[derive(Debug, Args)]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                #[arg(value_parser = <$ty as Positional>::parser() $(, value_name = $shown)?)]
                pub $field: $ty,
            )*
        }

        impl $name {
            /// Exactly one argument per field, each as its type's rule says.
            fn fast(args: &[OsString]) -> Option<$name> {
                let [$($field),*] = args else {
                    return None;
                };
                Some($name {
                    $($field: <$ty as Positional>::fast($field)?,)*
                })
            }
        }
    };
}

positionals!(Res {
    /// Resource name, as in the job's YML (e.g. my-aws-keys-1)
    res: String,
});

positionals!(ResKey {
    /// Resource name
    res: String,
    /// Key (any case; sanitized and upper-cased for the variable name)
    key: String,
});

positionals!(ResPath {
    /// Resource name
    res: String,
    /// Key, or a path such as a.b[0].c or ["odd.key"] (case kept, as jq reads it)
    key: String,
});

positionals!(Text {
    /// The string
    text as "S": String,
});

#[derive(Debug, Args)]
pub struct IntegrationResource {
    /// Resource name
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Field, or a path such as a.b[0].c or ["odd.key"]; without it, the whole integration.json
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub field: Option<String>,
}

positionals!(IntegrationKeys {
    /// Integration name, as attached to the job
    integration as "INT": String,
});

positionals!(IntegrationField {
    /// Integration name, as attached to the job
    integration as "INT": String,
    /// Field name (any case)
    field: String,
});

#[derive(Debug, Args)]
pub struct JsonValue {
    /// JSON file (`-` reads standard input)
    #[arg(value_parser = clap::value_parser!(PathBuf))]
    pub file: PathBuf,
    /// Path such as a.b[0].c or ["odd.key"]; empty or missing: the whole document
    pub path: Option<String>,
}

#[derive(Debug, Subcommand)]
// `defer`: a subcommand's arguments are only built when it is used, so an
// ordinary call does not pay for the other forty-odd commands.
#[command(rename_all = "snake_case", defer = true)]
pub enum Command {
    // --- Resource and job information (issue 2) ---
    SanitizeShippableString(Text),
    ToUppercase(Text),
    GetResourceName(Res),
    GetResourceId(Res),
    GetResourceMeta(Res),
    GetResourceState(Res),
    GetResourcePath(Res),
    GetResourceOperation(Res),
    GetResourceType(Res),
    GetResourceEnv(ResEnv),
    GetResourceVersionName(Res),
    GetResourceVersionId(Res),
    GetResourceVersionNumber(Res),
    GetParamsResource(ResKey),
    GetResourceVersionKey(ResPath),
    GetResourcePointerKey(ResPath),
    GetIntegrationResource(IntegrationResource),
    GetIntegrationResourceKeys(Res),
    GetIntegrationResourceField(ResKey),
    GetIntegrationKeys(IntegrationKeys),
    GetIntegrationField(IntegrationField),
    // --- State (issue 4) ---
    PostResourceState(StatePair),
    PutResourceState(StatePair),
    PostResourceStateMulti(StateMulti),
    PutResourceStateMulti(StateMulti),
    CopyFileToState(StatePath),
    CopyFileFromPrevState(FromPrevState),
    RefreshFileToState(StatePath),
    CopyFileFromResourceState(FromResourceState),
    CopyResourceFileFromState(FromResourceState),
    CopyFileToResourceState(ToResourceState),
    RefreshFileToOutPath(ToResourceState),
    Replicate(ReplicateArgs),
    // --- Utilities (issues 2, 4, 6) ---
    GetJsonValue(JsonValue),
    BumpVersion(BumpVersion),
    Replace(Replace),
    Retry(Retry),
    GetGitChanges(GitChanges),
    SplitTests(SplitTests),
    Decrypt(Decrypt),
    Notify(Box<Notify>),
    Jdk(Jdk),
    // --- New in this tool (issues 3, 5) ---
    ConfigureAws(ConfigureAws),
    AwsEnv(AwsEnv),
    EcrLogin(EcrLogin),
    Completions(CompletionsArgs),
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

#[derive(Debug, Args)]
pub struct EcrLogin {
    /// Resource name: the ECR image resource, or the AWS integration resource
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    /// Region [default: the resource's, as configure_aws finds it, else the registry host's]
    #[arg(long, value_name = "R", value_parser = NonEmptyStringValueParser::new())]
    pub region: Option<String>,
    /// Registry host [default: the host of the resource's sourceName, else ECR's proxyEndpoint]
    #[arg(long, value_name = "HOST", value_parser = NonEmptyStringValueParser::new())]
    pub registry: Option<String>,
    /// Print the password on stdout (for docker login --password-stdin); write no file
    #[arg(long, conflicts_with = "remove")]
    pub print_password: bool,
    /// Remove the registry's entry from docker's config.json, nothing else
    #[arg(long)]
    pub remove: bool,
}

const ECR_LOGIN_HELP: &str = "\
Examples:
  shipctl ecr_login my-ecr-image
  shipctl ecr_login my-aws-keys --region eu-west-1 --print-password \\
    | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  shipctl ecr_login my-ecr-image --remove

File: $DOCKER_CONFIG/config.json or ~/.docker/config.json (auths.<host>).
Endpoint: $AWS_ENDPOINT_URL_ECR, then $AWS_ENDPOINT_URL (as botocore); timeout
$SHIPCTL_AWS_TIMEOUT seconds (default 30).";

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

positionals!(StatePair {
    /// Resource name (the file is $JOB_STATE/RES.env)
    res: String,
    /// Key, written as given
    key: OsString,
    /// Value, written as given (may be empty; no newline)
    value: OsString,
});

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
// The last of a repeated option wins, as in the original's loop.
#[command(args_override_self = true)]
pub struct Notify {
    /// The notification resource, as in the job's YML
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub res: String,
    #[command(flatten)]
    pub options: NotifyOptions,
}

/// notify's options (spec NOTIFY.md): one list gives their clap
/// definitions (parse, help, completion) and the `NOTIFY_*` variable each
/// falls back to. Scripts also write them with one dash (`-text v`,
/// `-text=v`, as the original read them); [`prepare_args`] turns those
/// into the two-dash form first. A value may begin with `-`.
/// (`Args` is implemented by a loop over the list rather than derived: 21
/// derived options cost 28 KB of the binary.)
macro_rules! notify_options {
    ($( $(#[doc = $doc:literal])+ $field:ident: $long:literal $value:literal, $env:expr; )*) => {
        #[derive(Debug, Default, Clone, PartialEq)]
        pub struct NotifyOptions {
            $( $(#[doc = $doc])+ pub $field: Option<String>, )*
        }

        impl NotifyOptions {
            /// Every option: its long name, its `NOTIFY_*` variable (if
            /// any) and its value.
            pub fn slots(&mut self) -> Vec<(&'static str, Option<&'static str>, &mut Option<String>)> {
                vec![$(($long, $env, &mut self.$field)),*]
            }

            /// Every option: long name, value name, help.
            const DEFINITIONS: &[(&'static str, &'static str, &'static str)] =
                &[$(($long, $value, concat!($($doc),+))),*];
        }
    };
}

impl Args for NotifyOptions {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.args(
            NotifyOptions::DEFINITIONS
                .iter()
                .map(|(long, value, help)| {
                    clap::Arg::new(*long)
                        .long(*long)
                        .value_name(*value)
                        .help(help.trim())
                        .action(clap::ArgAction::Set)
                        .value_parser(clap::builder::ValueParser::string())
                        .allow_hyphen_values(true)
                }),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        NotifyOptions::augment_args(cmd)
    }
}

impl clap::FromArgMatches for NotifyOptions {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut m.clone())
    }

    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut options = NotifyOptions::default();
        options.update_from_arg_matches_mut(m)?;
        Ok(options)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.update_from_arg_matches_mut(&mut m.clone())
    }

    fn update_from_arg_matches_mut(&mut self, m: &mut clap::ArgMatches) -> Result<(), clap::Error> {
        for (long, _, value) in self.slots() {
            if let Some(v) = m.remove_one::<String>(long) {
                *value = Some(v);
            }
        }
        Ok(())
    }
}

notify_options! {
    /// Sender (default Shippable; IRC: Shippable-$BUILD_NUMBER)
    username: "username" "NAME", Some("NOTIFY_USERNAME");
    /// IRC server password (default none)
    password: "password" "PASS", Some("NOTIFY_PASSWORD");
    /// One recipient instead of the resource's (Slack channel, IRC server[:port]#channel)
    recipient: "recipient" "R", Some("NOTIFY_RECIPIENT");
    /// Line above the message (default: the date and time)
    pretext: "pretext" "TEXT", Some("NOTIFY_PRETEXT");
    /// The message (default: [$JOB_NAME] <$BUILD_URL|Build#$BUILD_NUMBER>; runCI: [$REPO_FULL_NAME:$BRANCH] …)
    text: "text" "TEXT", Some("NOTIFY_TEXT");
    /// Attachment colour (default #65cea7)
    color: "color" "C", Some("NOTIFY_COLOR");
    /// Sender icon
    icon_url: "icon_url" "URL", Some("NOTIFY_ICON_URL");
    /// Send this JSON file as the body instead of the built one
    payload: "payload" "FILE", Some("NOTIFY_PAYLOAD");
    /// NewRelic object type (deployment), Airbrake deploy, Jira issue type
    kind: "type" "T", Some("NOTIFY_TYPE");
    /// NewRelic deployment: revision
    revision: "revision" "R", Some("NOTIFY_REVISION");
    /// NewRelic deployment, Jira issue: description
    description: "description" "D", Some("NOTIFY_DESCRIPTION");
    /// NewRelic deployment: changelog
    changelog: "changelog" "C", Some("NOTIFY_CHANGELOG");
    /// NewRelic application id
    app_id: "appId" "ID", None;
    /// NewRelic application name
    app_name: "appName" "NAME", None;
    /// Airbrake project id; Jira project key
    project_id: "project-id" "ID", Some("NOTIFY_PROJECT_ID");
    /// Airbrake deploy: environment
    environment: "environment" "E", Some("NOTIFY_ENVIRONMENT");
    /// Airbrake deploy: email
    email: "email" "E", Some("NOTIFY_EMAIL");
    /// Airbrake deploy: repository
    repository: "repository" "R", Some("NOTIFY_REPOSITORY");
    /// Airbrake deploy: version
    version: "version" "V", Some("NOTIFY_VERSION");
    /// Jira issue summary
    summary: "summary" "S", Some("NOTIFY_SUMMARY");
    /// Jira: a file to attach to the issue
    attach_file: "attach-file" "FILE", Some("NOTIFY_ATTACH_FILE");
}

const NOTIFY_HELP: &str = "\
Each option is also read from NOTIFY_<NAME> (NOTIFY_TEXT, NOTIFY_ICON_URL,
NOTIFY_PROJECT_ID…; not appId, appName); the command line wins. Options are
written --name=value, --name value, -name value or -name=value.
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
    /// openjdkN or oraclejdkN, N 7 or more (e.g. openjdk17; TAB lists the installed ones)
    #[arg(value_name = "VERSION", value_parser = NonEmptyStringValueParser::new())]
    pub jdk: Option<String>,
    /// The shell that evaluates the output
    #[arg(long, value_enum, default_value_t = ShellFormat::Sh)]
    pub format: ShellFormat,
}

/// The shell that evaluates the lines `jdk set` prints (see src/eval.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellFormat {
    /// `export NAME='value'` lines for sh, bash, zsh
    Sh,
    /// `set -gx NAME 'value'` lines
    Fish,
    /// `$Env:NAME = 'value'` lines
    Powershell,
}

const JDK_HELP: &str = "\
A program cannot change the shell that runs it, so jdk prints the commands and
the shell runs them. JDKs are looked for in /usr/lib/jvm (or $SHIPCTL_JVM_DIR).
On failure stdout has only `false < /dev/null`, so the eval fails too.

Examples:
  eval \"$(shipctl jdk set openjdk17)\"
  shipctl jdk set openjdk17 --format fish | source
  shipctl jdk set openjdk17 --format powershell | Out-String | Invoke-Expression";

positionals!(ResEnv {
    /// Resource name
    res: String,
    /// Variable suffix (e.g. commit, is_pull_request)
    env: String,
});

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
    #[arg(long, value_name = "SECS", default_value_t = 0.0, value_parser = parse_delay, allow_negative_numbers = true)]
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
    /// A gitRepo resource: its state folder, and its commit range ($<R>_IS_PULL_REQUEST, $<R>_BASE_BRANCH, version.json)
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

/// One command's help: its one-line description (`shipctl --help`, the
/// descriptions of TAB completion, the manual) and the text after its
/// arguments (examples, notes).
pub struct Help {
    pub name: &'static str,
    pub about: &'static str,
    pub after: &'static str,
}

/// The help of every command, by group, in the order of `shipctl --help`.
/// These texts are attached to the clap command only where they can be
/// shown ([`with_help`]): an ordinary call does not build 45 help texts.
pub const HELP: &[(&str, &[Help])] = &[
    (
        "Resource and job information",
        &[
            Help {
                name: "sanitize_shippable_string",
                about: "Remove every character but A-Z a-z 0-9 _",
                after: "Example:\n  shipctl sanitize_shippable_string my-key-1   # mykey1",
            },
            Help {
                name: "to_uppercase",
                about: "Upper-case with full Unicode rules",
                after: "Example:\n  shipctl to_uppercase déjà-vu   # DÉJÀ-VU",
            },
            Help {
                name: "get_resource_name",
                about: "The variable prefix of a resource (sanitized, leading digits removed, upper-cased)",
                after: "Example:\n  shipctl get_resource_name my-key-1   # MYKEY1",
            },
            Help {
                name: "get_resource_id",
                about: "$<R>_ID, else resourceId of version.json",
                after: "Example:\n  shipctl get_resource_id my-image",
            },
            Help {
                name: "get_resource_meta",
                about: "$<R>_META, else the resource folder",
                after: "Example:\n  cd \"$(shipctl get_resource_meta my-repo)\"",
            },
            Help {
                name: "get_resource_state",
                about: "$<R>_STATE, else <resource folder>/<type>",
                after: "Example:\n  ls \"$(shipctl get_resource_state my-repo)\"",
            },
            Help {
                name: "get_resource_path",
                about: "Deprecated alias of get_resource_state",
                after: "Example:\n  shipctl get_resource_path my-repo",
            },
            Help {
                name: "get_resource_operation",
                about: "$<R>_OPERATION (IN or OUT), else operation of version.json",
                after: "Example:\n  shipctl get_resource_operation my-image",
            },
            Help {
                name: "get_resource_type",
                about: "$<R>_TYPE, else type of version.json",
                after: "Example:\n  shipctl get_resource_type my-image",
            },
            Help {
                name: "get_resource_env",
                about: "$<R>_<ENV>, e.g. commit, branch, is_pull_request",
                after: "Example:\n  shipctl get_resource_env my-repo commit",
            },
            Help {
                name: "get_resource_version_name",
                about: "$<R>_VERSIONNAME, else version.versionName of version.json",
                after: "Example:\n  TAG=$(shipctl get_resource_version_name my-image)",
            },
            Help {
                name: "get_resource_version_id",
                about: "$<R>_VERSIONID, else version.versionId of version.json",
                after: "Example:\n  shipctl get_resource_version_id my-image",
            },
            Help {
                name: "get_resource_version_number",
                about: "$<R>_VERSIONNUMBER, else version.versionNumber of version.json",
                after: "Example:\n  shipctl get_resource_version_number my-image",
            },
            Help {
                name: "get_params_resource",
                about: "$<R>_PARAMS_<KEY>, else version.propertyBag.params of version.json",
                after: "Example:\n  DB=$(shipctl get_params_resource app-params db_host)",
            },
            Help {
                name: "get_resource_version_key",
                about: "A value of version.json: version.KEY or version.propertyBag.KEY (KEY is a path)",
                after: "Examples:\n  shipctl get_resource_version_key my-image versionName\n  shipctl get_resource_version_key my-repo shaData.commitSha",
            },
            Help {
                name: "get_resource_pointer_key",
                about: "propertyBag.yml.pointer.KEY of version.json",
                after: "Example:\n  shipctl get_resource_pointer_key my-cluster sourceName",
            },
            Help {
                name: "get_integration_resource",
                about: "The integration.json of a resource, or one field of it",
                after: "Examples:\n  shipctl get_integration_resource my-aws-keys\n  shipctl get_integration_resource my-aws-keys accessKey",
            },
            Help {
                name: "get_integration_resource_keys",
                about: "The field names of a resource's integration.env, one a line",
                after: "Example:\n  shipctl get_integration_resource_keys my-aws-keys",
            },
            Help {
                name: "get_integration_resource_field",
                about: "$<R>_INTEGRATION_<FIELD>, else that field of integration.json",
                after: "Example:\n  KEY=$(shipctl get_integration_resource_field my-aws-keys accessKey)",
            },
            Help {
                name: "get_integration_keys",
                about: "The field names of a job integration's integration.env",
                after: "Example:\n  shipctl get_integration_keys dockerhub",
            },
            Help {
                name: "get_integration_field",
                about: "A field of an integration attached to the job",
                after: "Example:\n  shipctl get_integration_field dockerhub username",
            },
        ],
    ),
    (
        "State",
        &[
            Help {
                name: "post_resource_state",
                about: "Replace $JOB_STATE/RES.env with KEY=VALUE",
                after: "Example:\n  shipctl post_resource_state my-image tag \"$BUILD_NUMBER\"",
            },
            Help {
                name: "put_resource_state",
                about: "Append KEY=VALUE to $JOB_STATE/RES.env",
                after: "Example:\n  shipctl put_resource_state my-image commit \"$COMMIT\"",
            },
            Help {
                name: "post_resource_state_multi",
                about: "Replace $JOB_STATE/RES.env with KEY=VALUE pairs (split on white space)",
                after: "Example:\n  shipctl post_resource_state_multi my-image \"tag=$TAG commit=$COMMIT\"",
            },
            Help {
                name: "put_resource_state_multi",
                about: "Append KEY=VALUE pairs (split on white space) to $JOB_STATE/RES.env",
                after: "Example:\n  shipctl put_resource_state_multi my-image \"tag=$TAG\" \"commit=$COMMIT\"",
            },
            Help {
                name: "copy_file_to_state",
                about: "Copy a file or folder into $JOB_STATE",
                after: "Example:\n  shipctl copy_file_to_state terraform.tfstate",
            },
            Help {
                name: "copy_file_from_prev_state",
                about: "Copy FILE (file or folder) of $JOB_PREVIOUS_STATE to TO, if it is there",
                after: "Example:\n  shipctl copy_file_from_prev_state terraform.tfstate .",
            },
            Help {
                name: "refresh_file_to_state",
                about: "Copy PATH into $JOB_STATE, else its name from $JOB_PREVIOUS_STATE",
                after: "Example:\n  shipctl refresh_file_to_state terraform.tfstate",
            },
            Help {
                name: "copy_file_from_resource_state",
                about: "Copy FILE of an IN resource's state (IN/RES/<type>/FILE) to TO",
                after: "Example:\n  shipctl copy_file_from_resource_state tf-state terraform.tfstate .",
            },
            Help {
                name: "copy_resource_file_from_state",
                about: "Alias of copy_file_from_resource_state",
                after: "Example:\n  shipctl copy_resource_file_from_state tf-state terraform.tfstate .",
            },
            Help {
                name: "copy_file_to_resource_state",
                about: "Copy PATH into OUT/RES/state/, else its name from IN/RES/state/",
                after: "Example:\n  shipctl copy_file_to_resource_state terraform.tfstate tf-state",
            },
            Help {
                name: "refresh_file_to_out_path",
                about: "Alias of copy_file_to_resource_state",
                after: "Example:\n  shipctl refresh_file_to_out_path terraform.tfstate tf-state",
            },
            Help {
                name: "replicate",
                about: "Copy an IN resource's files and/or metadata to an OUT resource or the job",
                after: "Examples:\n  shipctl replicate my-image-in my-image-out\n  shipctl replicate app-repo app-repo-out --match-settings\n  shipctl replicate my-image-in \"$JOB_NAME\" --metadata-only",
            },
        ],
    ),
    (
        "Utilities",
        &[
            Help {
                name: "get_json_value",
                about: "The value at PATH of a JSON file, printed like jq -r",
                after: "Examples:\n  shipctl get_json_value build.json version\n  shipctl get_json_value deploy.json 'services[0][\"image-name\"]'\n  curl -s URL | shipctl get_json_value - items[0].id",
            },
            Help {
                name: "bump_version",
                about: "Bump a semantic version: major, minor, patch, alpha, beta, rc or final",
                after: "Examples:\n  shipctl bump_version v1.2.3 minor     # v1.3.0\n  shipctl bump_version 1.2.3-rc.1 rc    # 1.2.3-rc.2",
            },
            Help {
                name: "replace",
                about: "Replace $NAME and ${NAME} in files with the variables' values, in place",
                after: "Example:\n  shipctl replace deploy.yml k8s/service.json",
            },
            Help {
                name: "retry",
                about: "Run a command until it succeeds (3 tries by default)",
                after: "Examples:\n  shipctl retry docker push my/image:tag\n  shipctl retry --attempts 5 --delay 2 -- curl -fsS https://example.com/health\n  shipctl retry \"docker push x\"   # a single string runs through sh -c",
            },
            Help {
                name: "get_git_changes",
                about: "Files (or folders) changed in a commit range of a git repository",
                after: "Examples:\n  shipctl get_git_changes --path=. --commit-range=HEAD~1..HEAD\n  shipctl get_git_changes --resource=my-repo --directories-only --depth=1",
            },
            Help {
                name: "split_tests",
                about: "The test files of this shard, balanced by the timings of JUnit reports",
                after: "Example:\n  bundle exec rspec $(shipctl split_tests spec '*_spec.rb' shippable/testresults)",
            },
            Help {
                name: "decrypt",
                about: "Decrypt FILE (base64, RSA-OAEP) into FILE.decrypted",
                after: "Example:\n  shipctl decrypt secrets.enc /tmp/ssh/00_sub",
            },
            Help {
                name: "notify",
                about: "Send a message through a notification resource (Slack, webhook, IRC, NewRelic, Airbrake, Jira)",
                after: NOTIFY_HELP,
            },
            Help {
                name: "jdk",
                about: "Print `export JAVA_HOME=… PATH=…` lines for an installed JDK, for eval",
                after: JDK_HELP,
            },
        ],
    ),
    (
        "New in this tool",
        &[
            Help {
                name: "configure_aws",
                about: "Write the AWS credentials of a resource as an AWS CLI profile",
                after: "Examples:\n  shipctl configure_aws my-aws-keys\n  shipctl configure_aws my-aws-keys --profile ci --region eu-west-1\n  shipctl configure_aws my-aws-keys --profile ci --remove\n\nFiles: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials ([NAME]) and\n$AWS_CONFIG_FILE or ~/.aws/config ([default] or [profile NAME], region).",
            },
            Help {
                name: "aws_env",
                about: "Print the AWS credentials of a resource as environment variables",
                after: "Examples:\n  eval \"$(shipctl aws_env my-aws-keys)\"\n  shipctl aws_env my-aws-keys --format fish | source\n  shipctl aws_env my-aws-keys --format powershell | Out-String | Invoke-Expression\n  credential_process = shipctl aws_env my-aws-keys --format json\n\nOn failure stdout has only `false < /dev/null` (formats sh, fish, powershell), so the eval fails too.",
            },
            Help {
                name: "ecr_login",
                about: "Log in to Amazon ECR with the AWS credentials of a resource (docker config.json)",
                after: ECR_LOGIN_HELP,
            },
            Help {
                name: "completions",
                about: "The completion script for a shell (names and values are completed live)",
                after: "Examples:\n  source <(shipctl completions bash)\n  shipctl completions fish > ~/.config/fish/completions/shipctl.fish",
            },
        ],
    ),
];

/// The clap command for `args`. The help texts ([`HELP`], the grouped list
/// of `shipctl --help`) are attached only when `args` can show them: a
/// `-h`/`--help` anywhere, or no known command name (bare `shipctl`,
/// `shipctl --help`, a typo). An ordinary call builds bare subcommands (issue 11: building the
/// help of all 45 commands cost a third of a lookup).
pub fn command(args: &[OsString]) -> clap::Command {
    let cmd = Cli::command();
    let known = command_name(args).is_some_and(|n| cmd.find_subcommand(n).is_some());
    let wants_help = args.iter().skip(1).any(|a| a == "-h" || a == "--help");
    match (known, wants_help) {
        (true, false) => cmd,
        (true, true) => with_help(cmd),
        (false, _) => with_top_help(cmd),
    }
}

/// The help of a command by name.
pub fn help_of(name: &str) -> Option<&'static Help> {
    HELP.iter()
        .flat_map(|(_, commands)| commands.iter())
        .find(|h| h.name == name)
}

/// The manual (roff): the page of `shipctl`, then one page for each
/// command (`man -l` shows them in turn), generated from these definitions
/// so that it describes every command. Not a command of the binary (the
/// renderer would add 45 KB to it): `cargo run --example man > shipctl.1`
/// prints it, and the release archives and packages carry it.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // One page for every target: the version without the target triple.
    let cmd = with_help(Cli::command()).long_version(None::<&'static str>);
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let sub = sub.clone().bin_name(format!("shipctl {name}"));
        clap_mangen::Man::new(sub)
            .title(format!("shipctl-{name}"))
            .render(&mut page)?;
    }
    out.write_all(&page)
}

/// `cmd` (the top-level command) with every command's help: its about
/// line and the text after its arguments.
pub fn with_help(mut cmd: clap::Command) -> clap::Command {
    for sub in cmd.get_subcommands_mut() {
        if let Some(h) = help_of(sub.get_name()) {
            *sub = std::mem::take(sub).about(h.about).after_help(h.after);
        }
    }
    cmd
}

/// [`with_help`], and the help of `shipctl` itself: the commands by group
/// and the exit codes, wrapped to the terminal's width as clap wraps the
/// rest (that of stdout, else stderr, else `$COLUMNS`, else 100 columns).
fn with_top_help(cmd: clap::Command) -> clap::Command {
    let cmd = with_help(cmd);
    let width = terminal_width();
    let template = format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{}Options:\n{{options}}{{after-help}}",
        grouped_commands(&cmd, width)
    );
    cmd.term_width(width)
        .help_template(template)
        .override_usage("shipctl [OPTIONS] <COMMAND> [ARGS]...")
        .after_help(format!("{TERMS_HELP}\n\n{TOP_AFTER_HELP}"))
}

/// The terms of the command list, defined for someone who never used the
/// platform (issue 12 item 11); the README's "Terms" says the same.
const TERMS_HELP: &str = "\
Terms:
  RES           A resource: a named input or output of the job (a repository,
                image, params, credentials...), named as in the pipeline's YML.
  <R>           A resource's variable prefix, from its name: all but A-Z a-z
                0-9 _ removed, leading digits removed, upper-cased
                (my-aws-keys-1 -> MYAWSKEYS1, so $MYAWSKEYS1_ID);
                get_resource_name prints it.
  <KEY> <FIELD> <ENV>
                A key or field name the same way, leading digits kept: param
                db-host of app-params is $APPPARAMS_PARAMS_DBHOST.
  IN, OUT       A resource the job reads ($JOB_PATH/IN/<name>/) or writes a new
                version of ($JOB_PATH/OUT/<name>/). Each folder holds
                version.json, and for credentials integration.json/.env.
  integration   An account's credentials and settings (AWS keys, a registry,
                Slack...), given through a resource ($<R>_INTEGRATION_<FIELD>,
                integration.json) or attached to the job ($JOB_INTEGRATIONS).
  job state     $JOB_STATE: saved when the job ends, back as $JOB_PREVIOUS_STATE
                on its next run; RES.env there becomes a new version of RES.

A lookup reads its variable first, then the resource's files.";

/// The end of `shipctl --help` (the README's exit-code table, shorter).
const TOP_AFTER_HELP: &str = "\
Run `shipctl COMMAND --help` for a command's arguments and an example.

Exit codes:
  0    success (a lookup that finds nothing prints an empty line)
  1    failure: a command or request failed, a malformed file, nothing found
       under --strict, a missing file that copy_file_to_state, replace or
       decrypt was given to act on
  99   usage error (missing, empty or extra argument, unknown command or
       option), or a missing file or folder the command reads: the job's
       version.json, integration.json/.env, an IN folder, the JSON file of
       get_json_value, --env-file
  82   replace was given a folder
  100  decrypt: the key file is missing";

/// The width help is wrapped to, as clap's `wrap_help` finds it.
fn terminal_width() -> usize {
    if let Some((w, _)) = terminal_size::terminal_size() {
        return usize::from(w.0);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .unwrap_or(100)
}

/// The commands of `shipctl --help` by group: `  name  about`, the about
/// wrapped to `width` under itself (or put on the next line when the names
/// leave it too little room). Commands without an entry in [`HELP`] are
/// listed under "Other".
fn grouped_commands(cmd: &clap::Command, width: usize) -> String {
    let shown = |name: &str| cmd.find_subcommand(name).is_some_and(|s| !s.is_hide_set());
    let mut groups: Vec<(&str, Vec<(&str, String)>)> = HELP
        .iter()
        .map(|(group, commands)| {
            let members = commands
                .iter()
                .filter(|h| shown(h.name))
                .map(|h| (h.name, h.about.to_string()))
                .collect();
            (*group, members)
        })
        .collect();
    let others = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && help_of(s.get_name()).is_none())
        .map(|s| {
            let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
            (s.get_name(), about)
        })
        .collect();
    groups.push(("Other", others));
    let name_width = groups
        .iter()
        .flat_map(|(_, m)| m.iter().map(|(n, _)| n.len()))
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (group, members) in groups.iter().filter(|(_, m)| !m.is_empty()) {
        text.push_str(group);
        text.push_str(":\n");
        for (name, about) in members {
            let indent = 2 + name_width + 2;
            let indent = match width >= indent + 24 {
                true => {
                    text.push_str(&format!("  {name:name_width$}  "));
                    indent
                }
                false => {
                    text.push_str(&format!("  {name}\n        "));
                    8
                }
            };
            wrap_into(&mut text, about, indent, width);
            text.push('\n');
        }
        text.push('\n');
    }
    text
}

/// Append `words` wrapped at `width`, continuation lines indented by
/// `indent` (the first line is already there). A word longer than a line
/// stays whole.
fn wrap_into(text: &mut String, words: &str, indent: usize, width: usize) {
    let room = width.saturating_sub(indent).max(1);
    let mut col = 0;
    for word in words.split(' ').filter(|w| !w.is_empty()) {
        let w = word.chars().count();
        if col > 0 && col + 1 + w > room {
            text.push('\n');
            text.push_str(&" ".repeat(indent));
            col = 0;
        } else if col > 0 {
            text.push(' ');
            col += 1;
        }
        text.push_str(word);
        col += w;
    }
}

/// The commands scripts call in loops, parsed without clap when their
/// arguments are plain: the command name first (no global option), exactly
/// the arguments the command takes, each valid for its type, and no
/// `-h`/`--help`. Everything else — and every other command — goes to clap,
/// which has the messages. A lookup through clap costs about 1.4× one
/// through here (`bench/lookup.sh`). The arguments are parsed by the
/// [`positionals!`] definitions that clap uses too, and
/// `fast_parse_agrees_with_clap` checks every entry of [`FAST`] against clap.
pub fn fast_parse(args: &[OsString]) -> Option<Command> {
    let [_, name, rest @ ..] = args else {
        return None;
    };
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return None;
    }
    let (_, parse) = FAST.iter().find(|(n, _)| name == *n)?;
    parse(rest)
}

type FastParse = fn(&[OsString]) -> Option<Command>;

/// The commands of [`fast_parse`]: name and parse.
const FAST: &[(&str, FastParse)] = {
    use Command as C;
    &[
        ("sanitize_shippable_string", |a| {
            Some(C::SanitizeShippableString(Text::fast(a)?))
        }),
        ("to_uppercase", |a| Some(C::ToUppercase(Text::fast(a)?))),
        ("get_resource_name", |a| {
            Some(C::GetResourceName(Res::fast(a)?))
        }),
        ("get_resource_id", |a| Some(C::GetResourceId(Res::fast(a)?))),
        ("get_resource_meta", |a| {
            Some(C::GetResourceMeta(Res::fast(a)?))
        }),
        ("get_resource_state", |a| {
            Some(C::GetResourceState(Res::fast(a)?))
        }),
        ("get_resource_path", |a| {
            Some(C::GetResourcePath(Res::fast(a)?))
        }),
        ("get_resource_operation", |a| {
            Some(C::GetResourceOperation(Res::fast(a)?))
        }),
        ("get_resource_type", |a| {
            Some(C::GetResourceType(Res::fast(a)?))
        }),
        ("get_resource_env", |a| {
            Some(C::GetResourceEnv(ResEnv::fast(a)?))
        }),
        ("get_resource_version_name", |a| {
            Some(C::GetResourceVersionName(Res::fast(a)?))
        }),
        ("get_resource_version_id", |a| {
            Some(C::GetResourceVersionId(Res::fast(a)?))
        }),
        ("get_resource_version_number", |a| {
            Some(C::GetResourceVersionNumber(Res::fast(a)?))
        }),
        ("get_params_resource", |a| {
            Some(C::GetParamsResource(ResKey::fast(a)?))
        }),
        ("get_resource_version_key", |a| {
            Some(C::GetResourceVersionKey(ResPath::fast(a)?))
        }),
        ("get_resource_pointer_key", |a| {
            Some(C::GetResourcePointerKey(ResPath::fast(a)?))
        }),
        ("get_integration_resource_keys", |a| {
            Some(C::GetIntegrationResourceKeys(Res::fast(a)?))
        }),
        ("get_integration_resource_field", |a| {
            Some(C::GetIntegrationResourceField(ResKey::fast(a)?))
        }),
        ("get_integration_keys", |a| {
            Some(C::GetIntegrationKeys(IntegrationKeys::fast(a)?))
        }),
        ("get_integration_field", |a| {
            Some(C::GetIntegrationField(IntegrationField::fast(a)?))
        }),
        ("post_resource_state", |a| {
            Some(C::PostResourceState(StatePair::fast(a)?))
        }),
        ("put_resource_state", |a| {
            Some(C::PutResourceState(StatePair::fast(a)?))
        }),
    ]
};

/// The message for a command name that is no command: the one command it
/// most likely meant (or up to three, best first). A kebab-case or
/// camelCase spelling of a command (`get-resource-id`, `getResourceId`)
/// names exactly that command; it is still refused (exit 99), as the
/// original refused it, so that a script does not come to depend on it.
pub fn unknown_command(cmd: &clap::Command, typed: &str) -> String {
    let names: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name())
        .collect();
    let quoted = |n: &&str| format!("'{n}'");
    match suggestions(typed, &names).as_slice() {
        [] => format!("unknown command '{typed}' (`shipctl --help` lists the commands)"),
        [one] if *one == snake_case(typed) => format!(
            "unknown command '{typed}'; did you mean '{one}'? (command names are snake_case)"
        ),
        [one] => format!("unknown command '{typed}'; did you mean '{one}'?"),
        [first @ .., last] => format!(
            "unknown command '{typed}'; did you mean {} or {}?",
            first.iter().map(quoted).collect::<Vec<_>>().join(", "),
            quoted(last)
        ),
    }
}

/// The tip under clap's error for an argument the command does not have
/// or a value that is not one of the possible ones — made here, with the
/// matcher of [`unknown_command`], rather than by clap's `suggestions`
/// feature (11 KB of the binary). `-profile` (one dash, clap names its
/// first letter) names `--profile`; `--profle` the closest long options of
/// the command it follows; `csh` the closest possible values. `None`: no
/// match, clap's own tip (if any) stays.
pub fn suggestion_tip(cmd: &clap::Command, args: &[OsString], e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let (typed, names): (String, Vec<String>) = match e.kind() {
        ErrorKind::InvalidValue => {
            let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) else {
                return None;
            };
            (text(ContextKind::InvalidValue)?.to_string(), valid.clone())
        }
        ErrorKind::UnknownArgument => {
            let invalid = text(ContextKind::InvalidArg)?;
            let i = command_index(args);
            let in_command = args
                .iter()
                .position(|a| a == invalid)
                .is_none_or(|at| at > i);
            let mut owner = match args.get(i).and_then(|a| a.to_str()) {
                Some(name) if in_command => cmd.find_subcommand(name)?.clone(),
                _ => cmd.clone(),
            };
            owner.build();
            // The argument as typed (`-profile` for clap's `-p`).
            let typed = args[i.min(args.len())..]
                .iter()
                .chain(&args[..i.min(args.len())])
                .filter_map(|a| a.to_str())
                .find(|a| a.starts_with(invalid))?;
            let longs = owner.get_arguments().filter_map(|a| a.get_long());
            let names = longs
                .filter(|l| *l != "help" && *l != "version")
                .map(|l| format!("--{l}"))
                .collect();
            if !typed.starts_with('-') {
                return None; // a stray value, not a misspelt option
            }
            (typed.split('=').next().unwrap_or(typed).to_string(), names)
        }
        _ => return None,
    };
    let key = |n: &str| snake_case(n.trim_start_matches('-'));
    let keys: Vec<String> = names.iter().map(|n| key(n)).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let best: Vec<String> = suggestions(&key(&typed), &refs)
        .into_iter()
        .filter_map(|k| names.iter().find(|n| key(n) == k))
        .map(|n| format!("'{n}'"))
        .collect();
    let what = if e.kind() == ErrorKind::InvalidValue {
        "value"
    } else {
        "argument"
    };
    let one_dash = e.kind() == ErrorKind::UnknownArgument
        && !typed.starts_with("--")
        && names.iter().any(|n| n[1..] == typed);
    match best.as_slice() {
        [] => None,
        [one] if one_dash => Some(format!(
            "  tip: a similar {what} exists: {one} (long options take two dashes)"
        )),
        [one] => Some(format!("  tip: a similar {what} exists: {one}")),
        many => Some(format!(
            "  tip: some similar {what}s exist: {}",
            many.join(", ")
        )),
    }
}

/// `getResourceId`, `get-resource-id`, `GET_RESOURCE_ID` → `get_resource_id`.
fn snake_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev_lower = false;
    for c in word.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(match c {
            '-' => '_',
            c => c.to_ascii_lowercase(),
        });
    }
    out
}

/// The commands `typed` most likely means, best first: the one it spells in
/// another case style, else those at the least edit distance (optimal
/// string alignment: a swap of two letters counts one; ties broken by Jaro
/// similarity, then by name), at most three, and none when even the best
/// needs more than a third of the word changed.
fn suggestions<'n>(typed: &str, names: &[&'n str]) -> Vec<&'n str> {
    let word = snake_case(typed);
    if let Some(n) = names.iter().find(|n| **n == word) {
        return vec![n];
    }
    let limit = (word.chars().count() / 3).max(2);
    // The best three so far, best first (no sort: it would cost the binary
    // more than this loop).
    let mut best: Vec<(usize, f64, &str)> = Vec::with_capacity(4);
    for name in names {
        let d = strsim::osa_distance(&word, name);
        if d > limit {
            continue;
        }
        let entry = (d, strsim::jaro(&word, name), *name);
        let better = |b: &(usize, f64, &str)| {
            entry.0 < b.0
                || (entry.0 == b.0 && (entry.1 > b.1 || (entry.1 == b.1 && entry.2 < b.2)))
        };
        let at = best.iter().position(better).unwrap_or(best.len());
        best.insert(at, entry);
        best.truncate(3);
    }
    let least = best.first().map_or(0, |b| b.0);
    best.into_iter()
        .filter(|b| b.0 == least)
        .map(|b| b.2)
        .collect()
}

/// Global options that take a value (they go before the command name).
const GLOBAL_WITH_VALUE: &[&str] = &["--env-file"];
/// Global flags.
const GLOBAL_FLAGS: &[&str] = &["--strict", "--explain"];

/// Global options written after the command name (`get_params_resource
/// --strict app x`), once each. There they are ordinary arguments (spec
/// §3, kept for old scripts: `--strict` is looked up as a resource name),
/// and `main` says so on stderr. The words of the command `retry` runs are
/// not looked at.
pub fn misplaced_global_options(args: &[OsString]) -> Vec<&str> {
    let i = command_index(args);
    let retry = args.get(i).is_some_and(|n| n == "retry");
    let mut found: Vec<&str> = Vec::new();
    for a in args.get(i + 1..).unwrap_or(&[]) {
        let Some(a) = a.to_str() else { continue };
        if retry && (a == "--" || !a.starts_with('-')) {
            break; // the command retry runs begins
        }
        let name = a.split_once('=').map_or(a, |(n, _)| n);
        let global = GLOBAL_FLAGS.contains(&a) || GLOBAL_WITH_VALUE.contains(&name);
        if global && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// A switch variable (`SHIPCTL_STRICT`, `SHIPCTL_EXPLAIN`, spec §3): `1`,
/// `true`, `yes`, `on` in any case are on; `0`, `false`, `no`, `off`, empty
/// or unset are off; anything else is off with a warning that names the
/// variable and the words it takes.
pub fn env_switch(name: &str, value: Option<&std::ffi::OsStr>) -> bool {
    let Some(value) = value else { return false };
    let word = value.to_string_lossy();
    let word = word.trim().to_ascii_lowercase();
    match word.as_str() {
        "1" | "true" | "yes" | "on" => true,
        "0" | "false" | "no" | "off" | "" => false,
        _ => {
            crate::diag::warn(format_args!(
                "{name}={:?} is not a switch value (1, true, yes, on / 0, false, no, off): \
                 taken as off",
                value.to_string_lossy()
            ));
            false
        }
    }
}

/// The commands whose long options may also be written with one dash
/// (`-text v`), as the original's notify read them; clap knows only `--`.
const SINGLE_DASH_LONG: &[&str] = &["notify"];

/// Rewrite argv so that clap applies spec §3:
/// - `--help`/`-h` anywhere after the command name asks for that command's
///   help (except among the words `retry` runs, which clap leaves alone);
/// - for a command without options every argument is a value, so `--` is
///   put before them (`to_uppercase -n` prints `-N`);
/// - for the commands of [`SINGLE_DASH_LONG`], `-name`/`-name=v` of one of
///   its long options becomes `--name`/`--name=v` (never a word that is the
///   value of an option).
pub fn prepare_args(cmd: &clap::Command, mut args: Vec<OsString>) -> Vec<OsString> {
    let i = command_index(&args);
    let Some(name) = args.get(i).and_then(|a| a.to_str()) else {
        return args;
    };
    let Some(sub) = cmd.find_subcommand(name) else {
        return args;
    };
    let rest = &args[i + 1..];
    if !rest.iter().any(|a| a.as_encoded_bytes().starts_with(b"-")) {
        return args; // nothing clap could take for an option
    }
    let single_dash = SINGLE_DASH_LONG.contains(&name);
    // Build the (deferred) arguments of this one command to look at them.
    let mut sub = sub.clone();
    sub.build();
    let has_options = sub
        .get_arguments()
        .any(|a| a.get_long().is_some() && a.get_id() != "help");
    let wants_help = rest.iter().any(|a| a == "--help" || a == "-h");
    if wants_help && (!has_options || single_dash) {
        args.truncate(i + 1);
        args.push("--help".into());
    } else if !has_options {
        // After `--` even a literal `--` among the values is a value.
        args.insert(i + 1, "--".into());
    } else if single_dash {
        two_dashes(&sub, &mut args[i + 1..]);
    }
    args
}

/// Whether the long options of a command may be written with one dash.
pub fn single_dash_long(name: &str) -> bool {
    SINGLE_DASH_LONG.contains(&name)
}

/// [`two_dashes`] for the words of a line being completed.
pub fn two_dash_words(sub: &clap::Command, words: &[String]) -> Vec<String> {
    let mut w: Vec<OsString> = words.iter().map(OsString::from).collect();
    two_dashes(sub, &mut w);
    w.into_iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect()
}

/// `-name` → `--name` and `-name=v` → `--name=v` where an option of `sub`
/// can be, skipping the value that follows an option written without `=`.
fn two_dashes(sub: &clap::Command, words: &mut [OsString]) {
    let mut value_next = false;
    for word in words {
        if std::mem::take(&mut value_next) {
            continue;
        }
        let Some(text) = word.to_str() else { continue };
        if text == "--" {
            return;
        }
        let long = match text.strip_prefix("--") {
            Some(long) => long,
            None => match text.strip_prefix('-') {
                Some(long) if long.len() > 1 => long,
                _ => continue,
            },
        };
        let (long, inline) = match long.split_once('=') {
            Some((l, _)) => (l, true),
            None => (long, false),
        };
        // An unknown name is turned too, so that clap's error names it
        // (`--passwd`, with the similar `--password`), not its first letter.
        value_next = !inline
            && sub
                .get_arguments()
                .any(|a| a.get_long() == Some(long) && a.get_action().takes_values());
        if !text.starts_with("--") {
            *word = format!("-{text}").into();
        }
    }
}

/// The command name of argv (the first word after the global options), if
/// any and valid UTF-8.
pub fn command_name(args: &[OsString]) -> Option<&str> {
    args.get(command_index(args))?.to_str()
}

/// The index of the command name in argv: the first argument after the
/// global options.
pub fn command_index(args: &[OsString]) -> usize {
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
    fn every_command_has_its_own_help() {
        let cmd = Cli::command();
        let mut seen = std::collections::HashMap::new();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            let help = help_of(name).unwrap_or_else(|| panic!("{name} has no entry in HELP"));
            assert!(!help.about.is_empty() && !help.after.is_empty(), "{name}");
            // The help is attached lazily: nothing eager on the subcommand.
            assert!(sub.get_about().is_none(), "{name} has an eager about");
            if let Some(other) = seen.insert(help.about, name) {
                panic!("{name} and {other} share the about {:?}", help.about);
            }
        }
        let names: Vec<&str> = HELP
            .iter()
            .flat_map(|(_, c)| c.iter().map(|h| h.name))
            .collect();
        for name in &names {
            assert!(cmd.find_subcommand(name).is_some(), "HELP names {name}");
        }
        assert_eq!(names.len(), cmd.get_subcommands().count());
    }

    #[test]
    fn help_is_attached_only_where_it_can_be_shown() {
        let about = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            let cmd = command(&args);
            let sub = cmd.find_subcommand("get_resource_id").unwrap();
            sub.get_about().is_some()
        };
        assert!(!about(&["shipctl", "get_resource_id", "r"]));
        assert!(!about(&["shipctl", "--strict", "get_resource_id", "r"]));
        assert!(about(&["shipctl", "get_resource_id", "r", "--help"]));
        assert!(about(&["shipctl", "-h"]));
        assert!(about(&["shipctl"]));
        assert!(about(&["shipctl", "get_resource_di", "r"]));
    }

    #[test]
    fn grouped_list_wraps_under_itself() {
        let cmd = with_top_help(Cli::command());
        let text = grouped_commands(&cmd, 60);
        // Only a word longer than the room left stays whole past the edge.
        let fits = |l: &str| l.chars().count() <= 60 || l.split_whitespace().count() <= 2;
        assert!(text.lines().all(fits), "{text}");
        assert!(text.contains("\n  get_resource_version_key        A value of version.json:"));
        // No word is broken: the about reads the same unwrapped.
        let about = help_of("get_resource_version_key").unwrap().about;
        let words: Vec<&str> = text.split_whitespace().collect();
        let want: Vec<&str> = about.split_whitespace().collect();
        assert!(words.windows(want.len()).any(|w| w == want.as_slice()));
        // Too narrow for the names: descriptions go under the names.
        let text = grouped_commands(&cmd, 50);
        assert!(text.contains("\n  to_uppercase"), "{text}");
        assert!(
            text.contains("\n        Upper-case with full Unicode rules\n"),
            "{text}"
        );
    }

    /// Through clap, as `main` parses: `None` when clap refuses.
    fn through_clap(args: &[OsString]) -> Option<String> {
        let mut cmd = command(args);
        let args = prepare_args(&cmd, args.to_vec());
        let m = cmd.try_get_matches_from_mut(args).ok()?;
        let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&m).ok()?;
        Some(format!("{:?}", cli.command))
    }

    #[test]
    fn fast_parse_agrees_with_clap() {
        let mut clap_cmd = Cli::command();
        clap_cmd.build();
        for (name, _) in FAST {
            // Every entry is a command that takes only required values.
            let sub = clap_cmd.find_subcommand(name).expect(name);
            let values: Vec<&clap::Arg> = sub
                .get_arguments()
                .filter(|a| a.get_id() != "help")
                .collect();
            assert!(
                values
                    .iter()
                    .all(|a| a.is_positional() && a.is_required_set()),
                "{name} has an argument that is not a required value"
            );
            let n = values.len();
            let argv = |words: &[OsString]| -> Vec<OsString> {
                [OsString::from("shipctl"), OsString::from(name)]
                    .into_iter()
                    .chain(words.iter().cloned())
                    .collect()
            };
            let plain: Vec<OsString> = (0..n).map(|i| format!("v{i}").into()).collect();
            let args = argv(&plain);
            let fast =
                fast_parse(&args).unwrap_or_else(|| panic!("{name} is not on the fast path"));
            assert_eq!(Some(format!("{fast:?}")), through_clap(&args), "{args:?}");
            // Values that look like options, empty and non-UTF-8 values, one
            // argument too few or too many: the fast path gives what clap
            // gives, or leaves the words to clap.
            let odd: Vec<OsString> = vec![
                "-n".into(),
                "--".into(),
                "--strict".into(),
                "-V".into(),
                "".into(),
                crate::platform::not_unicode(),
                "a b".into(),
            ];
            let mut cases: Vec<Vec<OsString>> = Vec::new();
            for i in 0..n {
                for o in &odd {
                    let mut c = plain.clone();
                    c[i] = o.clone();
                    cases.push(c);
                }
            }
            cases.push(plain[..n - 1].to_vec());
            cases.push([plain.clone(), vec!["extra".into()]].concat());
            let mut taken = 0;
            for c in cases {
                let args = argv(&c);
                if let Some(fast) = fast_parse(&args) {
                    assert_eq!(Some(format!("{fast:?}")), through_clap(&args), "{args:?}");
                    taken += 1;
                }
            }
            assert!(
                taken >= 3 * n,
                "{name}: the fast path took only {taken} cases"
            );
            // Help is left to clap.
            let help = [plain.clone(), vec!["--help".into()]].concat();
            assert!(fast_parse(&argv(&help)).is_none());
        }
        // What the fast path leaves to clap.
        let not_fast: &[&[&str]] = &[
            &["get_resource_id"],
            &["get_resource_id", ""],
            &["get_resource_id", "a", "b"],
            &["get_resource_id", "-h"],
            &["--strict", "get_resource_id", "a"],
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

    #[test]
    fn typos_suggest_the_command_meant() {
        let cmd = Cli::command();
        let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
        let s = |t: &str| suggestions(t, &names);
        assert_eq!(s("get_resource_di"), ["get_resource_id"]);
        assert_eq!(s("get_resouce_id"), ["get_resource_id"]);
        assert_eq!(s("get_resource_nam"), ["get_resource_name"]);
        assert_eq!(s("bump_versoin"), ["bump_version"]);
        assert_eq!(s("to_upercase"), ["to_uppercase"]);
        assert_eq!(
            s("get-integration-resource-field"),
            ["get_integration_resource_field"]
        );
        assert_eq!(
            s("getIntegrationResourceField"),
            ["get_integration_resource_field"]
        );
        assert_eq!(s("GetResourceId"), ["get_resource_id"]);
        assert_eq!(s("GET_RESOURCE_ID"), ["get_resource_id"]);
        assert!(s("frobnicate").is_empty());
        assert!(s("echo").is_empty());
        // Every one-letter typo (a letter dropped) of every command
        // suggests that command, among at most three equally close ones
        // (`pot_resource_state` is put_… or post_…).
        for name in &names {
            for i in 0..name.len() {
                let typo = format!("{}{}", &name[..i], &name[i + 1..]);
                if names.contains(&typo.as_str()) {
                    continue;
                }
                let got = s(&typo);
                assert!(got.len() <= 3, "{typo}: {got:?}");
                assert!(got.contains(name), "{typo}: {got:?}");
            }
        }
    }

    #[test]
    fn global_options_after_the_command() {
        let m = |a: &[&str]| {
            let args: Vec<OsString> = a.iter().map(OsString::from).collect();
            misplaced_global_options(&args)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            m(&["shipctl", "get_params_resource", "--strict", "app", "x"]),
            ["--strict"]
        );
        assert_eq!(
            m(&[
                "shipctl",
                "--strict",
                "get_resource_id",
                "--explain",
                "--env-file=f",
                "--strict"
            ]),
            ["--explain", "--env-file", "--strict"]
        );
        assert!(
            m(&[
                "shipctl",
                "--strict",
                "--env-file",
                "f",
                "get_resource_id",
                "r"
            ])
            .is_empty()
        );
        assert!(m(&["shipctl", "get_resource_id", "--strictly"]).is_empty());
        // The words retry runs are the command's own.
        assert!(m(&["shipctl", "retry", "tool", "--strict"]).is_empty());
        assert!(
            m(&[
                "shipctl",
                "retry",
                "--attempts=2",
                "--",
                "tool",
                "--explain"
            ])
            .is_empty()
        );
        assert_eq!(m(&["shipctl", "retry", "--strict", "tool"]), ["--strict"]);
    }

    #[test]
    fn switch_words() {
        let on = |v: &str| env_switch("SHIPCTL_STRICT", Some(std::ffi::OsStr::new(v)));
        for v in ["1", "true", "TRUE", "yes", "Yes", "on", "ON", " on "] {
            assert!(on(v), "{v}");
        }
        for v in [
            "0", "false", "False", "no", "NO", "off", "Off", "", "2", "enabled", "y",
        ] {
            assert!(!on(v), "{v}");
        }
        assert!(!env_switch("SHIPCTL_STRICT", None));
    }

    /// notify's options through clap, as `main` parses them.
    fn notify(words: &[&str]) -> Result<NotifyOptions, String> {
        let args: Vec<OsString> = ["shipctl", "notify", "note"]
            .iter()
            .chain(words)
            .map(OsString::from)
            .collect();
        let mut cmd = command(&args);
        let args = prepare_args(&cmd, args);
        let m = cmd.try_get_matches_from_mut(args.clone()).map_err(|e| {
            let tip = suggestion_tip(&cmd, &args, &e).unwrap_or_default();
            format!("{e}{tip}")
        })?;
        match <Cli as clap::FromArgMatches>::from_arg_matches(&m).map_err(|e| e.to_string())? {
            Cli {
                command: Command::Notify(n),
                ..
            } => Ok(n.options),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn notify_options_three_spellings() {
        let want = NotifyOptions {
            text: Some("hi there".into()),
            payload: Some("f.json".into()),
            icon_url: Some("u=1".into()),
            project_id: Some("-7".into()),
            ..NotifyOptions::default()
        };
        for words in [
            &[
                "--text=hi there",
                "--payload=f.json",
                "--icon_url=u=1",
                "--project-id=-7",
            ][..],
            &[
                "--text",
                "hi there",
                "--payload",
                "f.json",
                "--icon_url",
                "u=1",
                "--project-id",
                "-7",
            ],
            &[
                "-text",
                "hi there",
                "-payload",
                "f.json",
                "-icon_url",
                "u=1",
                "-project-id",
                "-7",
            ],
            &[
                "-text=hi there",
                "-payload=f.json",
                "-icon_url=u=1",
                "-project-id=-7",
            ],
        ] {
            assert_eq!(notify(words), Ok(want.clone()), "{words:?}");
        }
    }

    #[test]
    fn notify_every_option_name() {
        let names = [
            "username",
            "password",
            "recipient",
            "pretext",
            "text",
            "color",
            "icon_url",
            "payload",
            "type",
            "revision",
            "description",
            "changelog",
            "appId",
            "appName",
            "project-id",
            "environment",
            "email",
            "repository",
            "version",
            "summary",
            "attach-file",
        ];
        let mut o = NotifyOptions::default();
        let defined: Vec<&str> = o.slots().into_iter().map(|(n, _, _)| n).collect();
        assert_eq!(defined, names);
        for n in names {
            for word in [format!("--{n}=v"), format!("-{n}=v")] {
                let mut o = notify(&[&word]).unwrap();
                let set: Vec<&str> = o
                    .slots()
                    .into_iter()
                    .filter(|(_, _, v)| v.as_deref() == Some("v"))
                    .map(|(n, _, _)| n)
                    .collect();
                assert_eq!(set, [n], "{word}");
            }
        }
    }

    #[test]
    fn notify_empty_values_repeats_and_values_like_options() {
        assert_eq!(notify(&["--text="]).unwrap().text.as_deref(), Some(""));
        assert_eq!(notify(&["--text", ""]).unwrap().text.as_deref(), Some(""));
        assert_eq!(
            notify(&["--text=a", "-text", "b"]).unwrap().text.as_deref(),
            Some("b")
        );
        // The next word is the value, even when it looks like an option.
        let o = notify(&["--text", "--color=x"]).unwrap();
        assert_eq!((o.text.as_deref(), o.color), (Some("--color=x"), None));
        let o = notify(&["-text", "-color", "-color", "-text"]).unwrap();
        assert_eq!(
            (o.text.as_deref(), o.color.as_deref()),
            (Some("-color"), Some("-text"))
        );
        // `--` ends the options.
        assert!(notify(&["--", "--text=x"]).is_err());
    }

    #[test]
    fn notify_refuses_unknown_options_without_echoing_values() {
        for words in [
            &["--icon-url=x"][..],
            &["--appid=1"],
            &["--project_id=1"],
            &["--Text=x"],
            &["--text"],
            &["-type"],
            &["hello"],
            &["-"],
            &["--unknown", "x"],
            &["-V"],
        ] {
            assert!(notify(words).is_err(), "{words:?}");
        }
        let e = notify(&["--passwd=hunter2"]).unwrap_err();
        assert!(e.contains("'--passwd'"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = notify(&["-passwd=hunter2"]).unwrap_err();
        assert!(e.contains("'--passwd'"), "{e}");
        assert!(e.contains("'--password'"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn man_page_describes_every_command() {
        let mut page = Vec::new();
        man_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains(".TH shipctl 1"));
        for sub in Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
        {
            let name = sub.get_name();
            assert!(
                page.contains(&format!(".TH shipctl-{name} 1")),
                "no page for {name}"
            );
        }
        assert!(page.contains("shipctl get_integration_resource_field"));
    }
}
