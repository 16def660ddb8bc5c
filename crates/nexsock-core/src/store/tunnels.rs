//! Tunnel rows (status and last health check per opened tunnel) and per-service profile choice.

use std::collections::HashMap;

use nexsock_proto::{TunnelInfo, TunnelStatus};
use rusqlite::params;

use super::Store;
use crate::{error::CoreError, time::now_ms};

fn status(s: TunnelStatus) -> &'static str {
    match s {
        TunnelStatus::Opening => "opening",
        TunnelStatus::Open => "open",
        TunnelStatus::Failed => "failed",
        TunnelStatus::Closed => "closed",
    }
}

impl Store {
    /// Inserts a tunnel row (when `row` is `None`) or updates it; returns the row id.
    pub fn record_tunnel(&self, row: Option<i64>, info: &TunnelInfo) -> Result<i64, CoreError> {
        if let Some(id) = row {
            self.conn.execute(
                "UPDATE tunnel SET public_url = ?2, status = ?3, last_health_check = ?4, profile = ?5 WHERE id = ?1",
                params![id, info.public_url, status(info.status), info.last_check_ms, info.profile],
            )?;
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO tunnel (service_id, provider, profile, public_url, local_port, status, created_at, last_health_check)
             VALUES ((SELECT id FROM service WHERE name = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                info.service,
                info.provider.as_str(),
                info.profile,
                info.public_url,
                info.local_port,
                status(info.status),
                now_ms(),
                info.last_check_ms
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sets (or clears) the tunnel profile of a service.
    pub fn set_service_profile(&self, service: &str, profile: Option<&str>) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE service SET tunnel_profile = ?2, updated_at = ?3 WHERE name = ?1",
            params![service, profile, now_ms()],
        )?;
        Ok(())
    }

    /// The services that chose a tunnel profile.
    pub fn service_profiles(&self) -> Result<HashMap<String, String>, CoreError> {
        let mut stmt =
            self.conn.prepare("SELECT name, tunnel_profile FROM service WHERE tunnel_profile IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Tunnels still marked open or opening (after a crash): they are closed now.
    pub fn close_stale_tunnels(&self) -> Result<usize, CoreError> {
        Ok(self
            .conn
            .execute("UPDATE tunnel SET status = 'closed' WHERE status IN ('open', 'opening', 'failed')", [])?)
    }
}
