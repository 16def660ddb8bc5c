//! `Api` over the in-memory `MockEngine`: for the browser without the app, and for tests. The start
//! at login, an OS setting the engine does not hold, is `login` (in memory, off at first).

import { BridgeApi, MemoryAutostart } from "../bridge";
import { MockEngine, type MockOptions } from "./engine";

/** The UI's backend when no desktop shell is present. */
export class MockApi extends BridgeApi {
  readonly engine: MockEngine;
  /** Whether "the app" starts at login, what was asked of it, and a failure tests can set. */
  readonly login: MemoryAutostart;

  constructor(options: MockOptions = {}) {
    const engine = new MockEngine(options);
    const login = new MemoryAutostart();
    // A copy through JSON, like the real bridge, so views never share objects with the engine.
    super(
      async (request) => JSON.parse(JSON.stringify(await engine.handle(JSON.parse(JSON.stringify(request))))),
      (onEvent) => engine.listen((event) => onEvent(JSON.parse(JSON.stringify(event)))),
      undefined,
      login.call,
    );
    this.engine = engine;
    this.login = login;
  }
}
