//! The line under a busy port in the services table: who holds it, in the engine's words, and the
//! way out: "Free port" when nexsock started the holder (a service, or an orphan of an earlier
//! run), "Kill holder" for a foreign process it can see; why freeing failed, if it did.

import { describeHolder, isOurs } from "../../api/ports";
import type { PortHolder } from "../../api/types/PortHolder";

interface Props {
  /** The service whose port it is. */
  name: string;
  holder: PortHolder;
  freeing: boolean;
  error: string | undefined;
  onFree: (killForeign: boolean) => void;
}

export function HeldPort({ name, holder, freeing, error, onFree }: Props) {
  return (
    <div className="port-holder">
      <span data-testid={`port-holder-${name}`}>{`held by ${describeHolder(holder)}`}</span>
      {isOurs(holder) ? (
        <button
          type="button"
          aria-label={`Free port of ${name}`}
          title={holder.service !== null ? `Stops ${holder.service}` : `Ends pid ${holder.pid}`}
          disabled={freeing}
          onClick={() => onFree(false)}
        >
          Free port
        </button>
      ) : holder.pid !== null && (
        <button
          type="button"
          className="danger"
          aria-label={`Kill holder of ${name}'s port`}
          title={`Ends pid ${holder.pid}: SIGTERM, then SIGKILL after 5 s`}
          disabled={freeing}
          onClick={() => onFree(true)}
        >
          Kill holder
        </button>
      )}
      {error && <p role="alert" className="error">{error}</p>}
    </div>
  );
}
