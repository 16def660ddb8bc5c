//! The Settings view: the default start strategy and the custom (declared) ones; the start at login (the app's OS setting) and
//! the chain it starts then; and the tunnel profiles grouped by provider with their tokens
//! (write-only), the default mark, and add/edit/remove. The engine's parts follow its events
//! (`SettingsChanged`, `ProfilesChanged`), whoever made the change: this window, the CLI or the
//! tray.

import { useState } from "react";
import { errorMessage } from "../../api";
import type { ProfileSpec } from "../../api/types/ProfileSpec";
import { useProfiles } from "../../hooks/useProfiles";
import { useSettings } from "../../hooks/useStrategies";
import { AutostartToggle } from "./AutostartToggle";
import { CustomStrategies } from "./CustomStrategies";
import { LoginChainForm } from "./LoginChainForm";
import { ProfileForm } from "./ProfileForm";
import { ProfileRow } from "./ProfileRow";
import { groupOf, PROVIDER_GROUPS } from "./profileModel";
import { StrategyForm } from "./StrategyForm";

type FormState = { editing: ProfileSpec | null } | null;

export function SettingsView() {
  const { settings, error: settingsError } = useSettings();
  const { profiles, error: profilesError } = useProfiles();
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<FormState>(null);
  const problem = error ?? settingsError ?? profilesError;

  // What changed arrives as an event; only a refusal needs showing here.
  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="settings-title" className="view settings-view">
      <h2 id="settings-title">Settings</h2>
      {problem && <p role="alert" className="error banner">{problem}</p>}
      <section aria-labelledby="strategy-title" className="settings-section">
        <h3 id="strategy-title">Start strategy</h3>
        {settings && <StrategyForm settings={settings} />}
      </section>
      <section aria-labelledby="custom-strategies-title" className="settings-section">
        <h3 id="custom-strategies-title">Custom strategies</h3>
        {settings && <CustomStrategies settings={settings} />}
      </section>
      <section aria-label="Start at login" className="settings-section start-at-login">
        <h3>Start at login</h3>
        <AutostartToggle />
        {settings && <LoginChainForm settings={settings} />}
      </section>
      <section aria-labelledby="profiles-title" className="settings-section">
        <div className="view-header">
          <h3 id="profiles-title">Tunnel profiles</h3>
          <button type="button" onClick={() => setForm({ editing: null })}>New profile</button>
        </div>
        {PROVIDER_GROUPS.map((group) => {
          const members = profiles.filter((p) => groupOf(p.spec.provider) === group);
          // Only an embedding program registers other providers: no empty group for them.
          if (group === "other" && members.length === 0) return null;
          return (
            <section key={group} aria-labelledby={`profiles-${group}`} className="profile-group">
              <h4 id={`profiles-${group}`}>{group}</h4>
              {members.length === 0 ? (
                <p className="empty">No {group} profiles.</p>
              ) : (
                <ul className="profile-list">
                  {members.map((p) => (
                    <ProfileRow key={p.spec.name} profile={p} onEdit={() => setForm({ editing: p.spec })}
                      onAction={(action) => void run(action)} />
                  ))}
                </ul>
              )}
            </section>
          );
        })}
        {form && (
          <ProfileForm
            key={form.editing?.name ?? ""}
            editing={form.editing}
            onCancel={() => setForm(null)}
            onDone={() => setForm(null)}
          />
        )}
      </section>
    </section>
  );
}
