//! The single dispatch from a parsed command to the code of its group:
//! `get` (resource and job information), `state` and `replicate` (state),
//! `util` (bump_version, replace, retry), `git` (get_git_changes), `split`
//! (split_tests), `decrypt`, `notify`, `jdk`, `aws` (configure_aws,
//! aws_env), `ecr` (ecr_login), `completions`.

pub mod aws;
pub mod completions;
pub mod decrypt;
pub mod ecr;
pub mod get;
pub mod git;
pub mod jdk;
pub mod notify;
pub mod replicate;
pub mod split;
pub mod state;
pub mod util;

use crate::cli::Command;
use crate::job::{JobEnv, Var};
use anyhow::Result;
use std::io::Write;

/// Run one command; values go to `out`, diagnostics to stderr.
pub fn run(command: Command, env: &JobEnv, out: &mut dyn Write) -> Result<()> {
    use Command as C;
    match command {
        // --- Resource and job information ---
        C::SanitizeShippableString(a) => get::sanitize(&a.text, out),
        C::ToUppercase(a) => get::to_uppercase(&a.text, out),
        C::GetResourceName(a) => get::resource_name(&a.res, out),
        C::GetResourceId(a) => get::resource_field(env, &a.res, Var::Id, "/resourceId", out),
        C::GetResourceMeta(a) => get::resource_meta(env, &a.res, out),
        C::GetResourceState(a) | C::GetResourcePath(a) => get::resource_state(env, &a.res, out),
        C::GetResourceOperation(a) => {
            get::resource_field(env, &a.res, Var::Operation, "/operation", out)
        }
        C::GetResourceType(a) => get::resource_field(env, &a.res, Var::Type, "/type", out),
        C::GetResourceEnv(a) => get::resource_env(env, &a.res, &a.env, out),
        C::GetResourceVersionName(a) => {
            get::resource_field(env, &a.res, Var::VersionName, "/version/versionName", out)
        }
        C::GetResourceVersionId(a) => {
            get::resource_field(env, &a.res, Var::VersionId, "/version/versionId", out)
        }
        C::GetResourceVersionNumber(a) => get::resource_field(
            env,
            &a.res,
            Var::VersionNumber,
            "/version/versionNumber",
            out,
        ),
        C::GetParamsResource(a) => get::params(env, &a.res, &a.key, out),
        C::GetResourceVersionKey(a) => get::version_key(env, &a.res, &a.key, out),
        C::GetResourcePointerKey(a) => get::pointer_key(env, &a.res, &a.key, out),
        C::GetIntegrationResource(a) => {
            get::integration_resource(env, &a.res, a.field.as_deref(), out)
        }
        C::GetIntegrationResourceKeys(a) => get::integration_resource_keys(env, &a.res, out),
        C::GetIntegrationResourceField(a) => {
            get::integration_resource_field(env, &a.res, &a.key, out)
        }
        C::GetIntegrationKeys(a) => get::job_integration_keys(env, &a.integration, out),
        C::GetIntegrationField(a) => get::job_integration_field(env, &a.integration, &a.field, out),

        // --- State ---
        C::PostResourceState(a) => state::resource_state(env, &a.res, &a.key, &a.value, false),
        C::PutResourceState(a) => state::resource_state(env, &a.res, &a.key, &a.value, true),
        C::PostResourceStateMulti(a) => state::resource_state_multi(env, &a.res, &a.pairs, false),
        C::PutResourceStateMulti(a) => state::resource_state_multi(env, &a.res, &a.pairs, true),
        C::CopyFileToState(a) => state::copy_file_to_state(env, &a.path),
        C::CopyFileFromPrevState(a) => state::copy_file_from_prev_state(env, &a.file, &a.to),
        C::RefreshFileToState(a) => state::refresh_file_to_state(env, &a.path),
        C::CopyFileFromResourceState(a) | C::CopyResourceFileFromState(a) => {
            state::copy_file_from_resource_state(env, &a.res, &a.file, &a.to)
        }
        C::CopyFileToResourceState(a) | C::RefreshFileToOutPath(a) => {
            state::copy_file_to_resource_state(env, &a.path, &a.res)
        }
        C::Replicate(a) => replicate::replicate(
            env,
            &a.from,
            &a.to,
            replicate::Options {
                files_only: a.files_only,
                metadata_only: a.metadata_only,
                webhook_data_only: a.webhook_data_only,
                match_settings: a.match_settings,
            },
        ),

        // --- Utilities ---
        C::GetJsonValue(a) => get::json_value(env, &a.file, a.path.as_deref(), out),
        C::BumpVersion(a) => util::bump_version(&a.version, &a.action, out),
        C::Replace(a) => util::replace(env, &a.files),
        C::Retry(a) => util::retry(env, a.attempts, a.delay, &a.command),
        C::GetGitChanges(a) => git::changes(env, &a, out),
        C::SplitTests(a) => split::split_tests(env, &a, out),
        C::Decrypt(a) => decrypt::decrypt(&a.file, a.keyfile.as_deref()),
        C::Notify(a) => notify::run(env, &a.res, a.options, out),
        C::Jdk(a) => jdk::run(env, &a.action, a.jdk.as_deref(), a.format, out),

        // --- New in this tool ---
        C::ConfigureAws(a) => aws::configure(env, &a),
        C::AwsEnv(a) => aws::env_vars(env, &a, out),
        C::EcrLogin(a) => ecr::login(env, &a, out),
        C::Completions(a) => completions::completions(a.shell, out),
    }
}
