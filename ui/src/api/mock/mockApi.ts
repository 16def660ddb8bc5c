//! `Api` over the in-memory `MockEngine`: for the browser without the app, and for tests.

import { BridgeApi } from "../bridge";
import { MockEngine, type MockOptions } from "./engine";

/** The UI's backend when no desktop shell is present. */
export class MockApi extends BridgeApi {
  readonly engine: MockEngine;

  constructor(options: MockOptions = {}) {
    const engine = new MockEngine(options);
    // A copy through JSON, like the real bridge, so views never share objects with the engine.
    super(
      async (request) => JSON.parse(JSON.stringify(await engine.handle(JSON.parse(JSON.stringify(request))))),
      (onEvent) => engine.listen((event) => onEvent(JSON.parse(JSON.stringify(event)))),
    );
    this.engine = engine;
  }
}
