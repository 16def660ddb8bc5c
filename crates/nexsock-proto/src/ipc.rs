//! The host's local endpoint, the same to everything above it on every platform: a Unix socket at
//! the state's socket path (mode 0600, in a 0700 directory), or on Windows a named pipe named after
//! that path, so two state directories never share one. Framing, handshake and error codes are the
//! same on both; `interprocess` carries the platform code.

use std::{io, path::Path};

pub use interprocess::local_socket::tokio::{Listener, Stream};
use interprocess::local_socket::{ListenerOptions, Name, tokio::prelude::*};

/// The named pipe of the endpoint at `path` (Windows): `nexsock-` and the path with its
/// separators replaced, as pipe names cannot hold a backslash.
pub fn pipe_name(path: &Path) -> String {
    format!("nexsock-{}", path.display().to_string().replace(['\\', '/', ':'], "-"))
}

/// The local-socket name of the endpoint at `path`.
pub fn name(path: &Path) -> io::Result<Name<'static>> {
    #[cfg(windows)]
    {
        use interprocess::local_socket::GenericNamespaced;
        pipe_name(path).to_ns_name::<GenericNamespaced>()
    }
    #[cfg(not(windows))]
    {
        use interprocess::local_socket::GenericFilePath;
        path.to_path_buf().to_fs_name::<GenericFilePath>()
    }
}

/// Connects to the endpoint at `path`.
pub async fn connect(path: &Path) -> io::Result<Stream> {
    Stream::connect(name(path)?).await
}

/// Listens on the endpoint at `path`: a Unix socket of mode 0600 (a stale file there is replaced;
/// the host's lock proves no live host owns it), or a named pipe that only the current user may
/// open.
pub fn listen(path: &Path) -> io::Result<Listener> {
    let options = ListenerOptions::new().name(name(path)?);
    #[cfg(unix)]
    let options = {
        use interprocess::os::unix::local_socket::ListenerOptionsExt;
        options.mode(0o600).try_overwrite(true)
    };
    #[cfg(windows)]
    let options = {
        use interprocess::os::windows::{local_socket::ListenerOptionsExt, security_descriptor::SecurityDescriptor};
        // Protected DACL: full access for the pipe's owner (the current user) and SYSTEM only.
        let sddl = widestring::U16CString::from_str("D:P(A;;GA;;;OW)(A;;GA;;;SY)")
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        options.security_descriptor(SecurityDescriptor::deserialize(&sddl)?)
    };
    options.create_tokio()
}
