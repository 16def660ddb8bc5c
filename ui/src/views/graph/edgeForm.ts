//! The edge editor's values, their conversion to the `add_dependency` spec, and which field an
//! engine error belongs to.

import type { ApiError } from "../../api/types/ApiError";
import type { Condition } from "../../api/types/Condition";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { TunnelMode } from "../../api/types/TunnelMode";

/** What the edge editor edits, as the user set it. */
export interface EdgeValues {
  condition: Condition;
  optional: boolean;
  tunnelMode: TunnelMode;
  /** A variable name, or empty for none. */
  envAlias: string;
  /** Whole seconds, or empty for no bound. */
  timeout: string;
  restartOnNewUrl: boolean;
}

/** A field an error can be shown at. */
export type EdgeField = "condition" | "tunnelMode" | "envAlias" | "timeout";

/** The form for a stored edge; a condition still unresolved shows as `started`. */
export function edgeValues(spec: DependencySpec): EdgeValues {
  return {
    condition: spec.condition ?? "started",
    optional: !spec.required,
    tunnelMode: spec.tunnel_mode,
    envAlias: spec.env_alias ?? "",
    timeout: spec.timeout_secs === null ? "" : String(spec.timeout_secs),
    restartOnNewUrl: spec.restart_on_new_url,
  };
}

/**
 * The edge with the form's options, everything else kept, for the engine to validate. Only text
 * that is not a whole number is refused here (the contract has no way to send it).
 */
export function edgeSpec(base: DependencySpec, values: EdgeValues): DependencySpec {
  const timeout = values.timeout.trim();
  if (timeout !== "" && !/^\d+$/.test(timeout)) {
    const error: ApiError = {
      code: "invalid_argument", message: `timeout \`${timeout}\` is not a whole number of seconds`, field: "timeout_secs",
    };
    throw error;
  }
  return {
    ...base,
    condition: values.condition,
    required: !values.optional,
    tunnel_mode: values.tunnelMode,
    env_alias: values.envAlias.trim() === "" ? null : values.envAlias.trim(),
    timeout_secs: timeout === "" ? null : Number(timeout),
    restart_on_new_url: values.restartOnNewUrl,
  };
}

/** The form field for each contract field the engine names in an edge error. */
const EDGE_FIELDS: Record<string, EdgeField> = {
  condition: "condition",
  tunnel_mode: "tunnelMode",
  env_alias: "envAlias",
  timeout_secs: "timeout",
};

/** Where an edge error is shown: at the field the engine names (`ApiError.field`), else above the buttons. */
export function edgeFieldOf(error: ApiError): EdgeField | null {
  return (error.field !== undefined && EDGE_FIELDS[error.field]) || null;
}
