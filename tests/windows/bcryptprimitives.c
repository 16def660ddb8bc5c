/* Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Rust's std imports for ProcessPrng: a Rust
 * .exe then fails to start with status c0000135. This stand-in, placed next to the .exe under
 * test, fills the buffer from RtlGenRandom. Tests only: real Windows has the DLL. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
