//! One profile: its settings, whether a token is stored and whether it is the default, a token
//! field (write-only: a saved token is never shown again), and edit, make default and remove.

import { useId, useState, type FormEvent } from "react";
import { errorMessage } from "../../api";
import type { ProfileInfo } from "../../api/types/ProfileInfo";
import { useApi } from "../../ApiContext";
import { FormField } from "../services/ServiceForm";
import { profileDetails } from "./profileModel";

interface Props {
  profile: ProfileInfo;
  onEdit: () => void;
  /** Runs a change to this profile; a refusal shows above the list (the change comes back as `ProfilesChanged`). */
  onAction: (action: () => Promise<void>) => void;
}

export function ProfileRow({ profile, onEdit, onAction }: Props) {
  const api = useApi();
  const nameId = useId();
  const name = profile.spec.name ?? "";
  const [token, setToken] = useState("");
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function saveToken(event: FormEvent) {
    event.preventDefault();
    setTokenError(null);
    setSaved(false);
    try {
      await api.setProfileToken(name, token);
      setSaved(true);
    } catch (e) {
      // `keyring` (no usable OS keyring) and an empty token both concern this field.
      setTokenError(errorMessage(e));
    } finally {
      // The token leaves the page either way: it is typed again rather than kept.
      setToken("");
    }
  }

  return (
    <li className="profile-row" aria-labelledby={nameId}>
      <div className="profile-summary">
        <strong id={nameId}>{name}</strong>
        <span>{profile.spec.provider}</span>
        {profileDetails(profile.spec).map((d) => (
          <span key={d} className="profile-detail">{d}</span>
        ))}
        <span className={`badge ${tokenBadge(profile.token_set).className}`} title={tokenBadge(profile.token_set).title}>
          {tokenBadge(profile.token_set).label}
        </span>
        {profile.is_default && <span className="badge state-stopping">default</span>}
      </div>
      <form className="token-form" onSubmit={saveToken}>
        <FormField label={`Token for ${name}`} error={tokenError ?? undefined}>
          {(id, describedBy) => (
            <input id={id} type="password" autoComplete="off" value={token} onChange={(e) => { setToken(e.target.value); setSaved(false); }}
              aria-invalid={tokenError ? true : undefined} aria-describedby={describedBy} />
          )}
        </FormField>
        <button type="submit" disabled={token === ""}>{profile.token_set === false ? "Set token" : "Replace token"}</button>
        <span role="status">{saved ? "Token saved." : ""}</span>
      </form>
      <div className="row-actions">
        <button type="button" onClick={onEdit} aria-label={`Edit ${name}`}>Edit</button>
        {!profile.is_default && (
          <button type="button" onClick={() => onAction(() => api.setDefaultProfile(name))} aria-describedby={nameId}>
            Make default
          </button>
        )}
        {confirming ? (
          <>
            <button type="button" className="danger" onClick={() => { setConfirming(false); onAction(() => api.removeProfile(name)); }}>
              Yes, remove {name}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>Keep</button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove ${name}`}>Remove</button>
        )}
      </div>
    </li>
  );
}

/** How a token's presence reads: `null` means the keyring did not answer in time (it may be locked). */
export function tokenBadge(tokenSet: boolean | null): { label: string; className: string; title?: string } {
  if (tokenSet === null) {
    return { label: "token unknown", className: "state-starting", title: "The OS keyring did not answer in time: it may be locked." };
  }
  return tokenSet ? { label: "token set", className: "state-ready" } : { label: "no token", className: "state-stopped" };
}
