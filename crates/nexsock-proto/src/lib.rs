//! The nexsock contract: the one vocabulary that the CLI, the desktop shell and the UI share with
//! the engine — requests, responses, events, error codes, the socket framing and a client.
//!
//! Nothing here does orchestration; it only names things and moves them over a socket.

#![forbid(unsafe_code)]

pub mod client;
pub mod dependency;
pub mod dto;
pub mod error;
pub mod event;
pub mod execution;
pub mod frame;
pub mod import;
pub mod inspector;
pub mod ipc;
pub mod message;
pub mod stack;
pub mod tunnel;

pub use client::{Client, ClientError};
pub use dependency::{Change, Condition, DependencyInfo, DependencyListing, DependencySpec, TreeNode, TunnelMode};
pub use dto::*;
pub use error::{ApiError, ErrorCode};
pub use event::Event;
pub use execution::{
    ChainOptions, ChainPlan, ChainRequest, DEFAULT_STRATEGY, ExecutionProgress, ExecutionReport, ExecutionStatus,
    PlannedAction, PlannedService, PlannedWait, ServiceTiming, Settings, StepState, StrategySpec,
};
pub use import::{ImportFormat, ImportReport, ImportRequest, Unmapped};
pub use inspector::{BodyRecord, Exchange, ExchangeSource, HeaderField};
pub use message::{ClientFrame, Request, Response, ServerFrame};
pub use stack::{
    ApplyReport, ApplyRequest, DependsOn, EdgeChange, NamedChange, SharedPort, Stack, StackEdge, StackService,
};
pub use tunnel::{
    EnvVar, MASKED_VALUE, ProfileInfo, ProfileSpec, ProviderKind, SecretString, TunnelInfo, TunnelStatus,
};

/// Version of the socket protocol; a client and a host must agree on it exactly.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame either side accepts, in bytes. Bigger frames are refused with
/// [`ErrorCode::FrameTooLarge`] instead of being buffered.
pub const MAX_FRAME_BYTES: u32 = 8 * 1024 * 1024;

/// Version of this build, reported in the handshake.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
