//! Test setup: unmount after each test, and the browser APIs React Flow needs that jsdom lacks.

import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => cleanup());
// The suite may share two cores with a Rust build: give `findBy`/`waitFor` room before failing.
configure({ asyncUtilTimeout: 4000 });

class ResizeObserverStub {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
// React Flow reads the zoom from the transform matrix of its viewport.
(globalThis as { DOMMatrixReadOnly?: unknown }).DOMMatrixReadOnly ??= class {
  m22 = 1;
  constructor(_transform?: string) {}
};
