//! "Start nexsock at login": an OS setting of the desktop app (`Api.autostart`), not the engine's.
//! Read once on mount; a toggle asks for the change and shows what the app answers (whether it is
//! on now), so the box never claims more than the OS holds. A failure shows under it.

import { useEffect, useId, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";

export function AutostartToggle() {
  const api = useApi();
  const errorId = useId();
  /** What the app last answered; `null` until it has. */
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    let stopped = false;
    setBusy(true);
    api.autostart(null).then(
      (on) => {
        if (!stopped) setEnabled(on);
      },
      (e) => {
        if (!stopped) setError(errorMessage(e));
      },
    ).finally(() => {
      if (!stopped) setBusy(false);
    });
    return () => {
      stopped = true;
      mounted.current = false;
    };
  }, [api]);

  async function toggle(want: boolean) {
    setBusy(true);
    setError(null);
    try {
      const on = await api.autostart(want);
      if (mounted.current) setEnabled(on);
    } catch (e) {
      if (mounted.current) setError(errorMessage(e));
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  return (
    <div className="autostart">
      <label className="check">
        <input type="checkbox" checked={enabled === true} disabled={busy}
          aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined}
          onChange={(e) => void toggle(e.target.checked)} />
        Start nexsock at login
      </label>
      <span role="status" className="hint">
        {enabled === null ? "" : enabled ? "nexsock starts in the background (tray only) when you log in." : "nexsock does not start at login."}
      </span>
      {error && <p id={errorId} role="alert" className="field-error">{error}</p>}
    </div>
  );
}
