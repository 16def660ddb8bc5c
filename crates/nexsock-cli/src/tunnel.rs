//! `nexsock profile ...` and `nexsock tunnel ...`. A token is read from stdin (or a hidden prompt
//! on a terminal) and sent to the host, which keeps it only in the OS keyring; it is never
//! printed, not even partly.

use std::{
    io::{IsTerminal, Read},
    process::ExitCode,
};

use anyhow::{Context, Result, bail};
use nexsock_core::Paths;
use nexsock_proto::{ProfileSpec, ProviderKind, Request, Response, SecretString};
use qrcode::{QrCode, render::unicode};

use crate::{
    cli::{ProfileCommand, TunnelCommand},
    connect::{connect_or_start, send},
    output,
};

/// Runs one `profile` subcommand.
pub async fn profile(cmd: ProfileCommand, json: bool) -> Result<ExitCode> {
    let (request, what) = match cmd {
        ProfileCommand::Add { name, provider, region, url, server, binary, command } => {
            if region.is_some() {
                anyhow::bail!("--region is not supported: {}; drop the option", nexsock_core::config::NO_REGION);
            }
            let binary = binary
                .map(|b| std::path::absolute(&b).with_context(|| format!("resolving {}", b.display())))
                .transpose()?
                .map(|b| b.display().to_string());
            let spec = ProfileSpec {
                name: name.clone(),
                provider: provider.parse::<ProviderKind>()?,
                url,
                server,
                binary,
                command: command.command,
                url_pattern: command.url_pattern,
                token_env: command.token_env,
                url_timeout_secs: command.url_timeout,
            };
            (Request::AddProfile(spec), format!("added profile {name}"))
        }
        ProfileCommand::List => (Request::ListProfiles, String::new()),
        ProfileCommand::Remove { name } => {
            (Request::RemoveProfile { name: name.clone() }, format!("removed profile {name}"))
        }
        ProfileCommand::SetToken { name } => {
            let token = read_token(&name)?;
            (
                Request::SetProfileToken { name: name.clone(), token },
                format!("token of profile {name} stored in the OS keyring"),
            )
        }
        ProfileCommand::Default { name } => {
            (Request::SetDefaultProfile { name: name.clone() }, format!("{name} is the default profile"))
        }
    };
    send(request, json, &what).await
}

/// Runs one `tunnel` subcommand.
pub async fn tunnel(cmd: TunnelCommand, json: bool) -> Result<ExitCode> {
    match cmd {
        TunnelCommand::List => send(Request::ListTunnels, json, "").await,
        TunnelCommand::Open { service, profile } => {
            send(Request::OpenTunnel { service: service.clone(), profile }, json, &format!("tunnel to {service}")).await
        }
        TunnelCommand::Close { service } => {
            let mut client = connect_or_start(&Paths::from_env()?).await?;
            client.request(Request::CloseTunnel { service: service.clone() }).await?;
            output::print_response(&Response::Done, json, &format!("closed the tunnel of {service}"))?;
            Ok(ExitCode::SUCCESS)
        }
        TunnelCommand::Qr { service } => qr(&service, json).await,
        TunnelCommand::Requests { service, limit, follow, reveal } => {
            crate::inspect::requests(service, limit, follow, reveal, json).await
        }
        TunnelCommand::Replay { service, id, reveal } => {
            send(Request::ReplayExchange { service, id, reveal }, json, "").await
        }
    }
}

async fn qr(service: &str, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let Response::Tunnels(tunnels) = client.request(Request::ListTunnels).await? else {
        bail!("unexpected answer from the host");
    };
    let url =
        tunnels.iter().find(|t| t.service == service).and_then(|t| t.public_url.clone()).with_context(|| {
            format!("`{service}` has no open tunnel (open one with `nexsock tunnel open {service}`)")
        })?;
    if json {
        outln!("{}", serde_json::json!({ "service": service, "url": url }));
        return Ok(ExitCode::SUCCESS);
    }
    let code = QrCode::new(url.as_bytes()).context("encoding the URL as a QR code")?;
    let image = code.render::<unicode::Dense1x2>().quiet_zone(true).build();
    outln!("{image}\n{url}");
    Ok(ExitCode::SUCCESS)
}

/// The token from stdin when it is piped, else from a prompt that does not echo.
fn read_token(profile: &str) -> Result<SecretString> {
    let token = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("token for profile {profile} (input hidden): "))
            .context("reading the token")?
    } else {
        let mut buf = String::new();
        std::io::stdin().read_to_string(&mut buf).context("reading the token from stdin")?;
        buf
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("no token given: pipe it on stdin, or type it at the prompt");
    }
    Ok(SecretString::new(token))
}
