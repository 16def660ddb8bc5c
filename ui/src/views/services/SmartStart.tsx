//! The strategy picker (the engine's strategies, custom ones included) and max-concurrency field,
//! with the batch actions they apply to.

interface Props {
  strategy: string;
  /** Every strategy the engine knows, in its order. */
  strategies: string[];
  maxConcurrent: string;
  onStrategy: (s: string) => void;
  onMaxConcurrent: (v: string) => void;
  selectedCount: number;
  busy: boolean;
  onSmartStart: () => void;
  /** Shows what Smart start all would do, starting nothing. */
  onPlan: () => void;
  onStartSelected: () => void;
  onStopSelected: () => void;
  onRestartSelected: () => void;
}

export function SmartStart(p: Props) {
  const none = p.selectedCount === 0 || p.busy;
  return (
    <fieldset className="smart-start">
      <legend>Start</legend>
      <label>
        Strategy
        <select value={p.strategy} onChange={(e) => p.onStrategy(e.target.value)}>
          {p.strategies.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Max concurrency
        <input
          type="number"
          min={1}
          inputMode="numeric"
          placeholder="no limit"
          value={p.maxConcurrent}
          onChange={(e) => p.onMaxConcurrent(e.target.value)}
        />
      </label>
      <button type="button" className="primary" onClick={p.onSmartStart} disabled={p.busy}>Smart start all</button>
      <button type="button" onClick={p.onPlan} disabled={p.busy}>Plan</button>
      <span className="batch" aria-label="Selected services">
        <button type="button" onClick={p.onStartSelected} disabled={none}>Start selected ({p.selectedCount})</button>
        <button type="button" onClick={p.onStopSelected} disabled={none}>Stop selected</button>
        <button type="button" onClick={p.onRestartSelected} disabled={none}>Restart selected</button>
      </span>
    </fieldset>
  );
}
