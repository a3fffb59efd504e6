// Errors.cs - libtachyon's error codes and one exception class per code.
//
// Written by runtime/csharp/gen_errors.py from tachyon.h's error table
// (TACHYON_ERROR_LIST), row for row: same numbers, the table's short names. The
// tests parse tachyon.h and fail when a row has no matching member and class.
using System;
using System.Runtime.InteropServices;

namespace Tachyon
{
    /// <summary>The codes of tachyon_error_t, named by the C table's short names.</summary>
    public enum ErrorCode
    {
        /// <summary>success</summary>
        Ok = 0,
        /// <summary>invalid argument</summary>
        InvalidArg = 1,
        /// <summary>out of memory</summary>
        NoMemory = 2,
        /// <summary>unexpected system call failure</summary>
        System = 3,
        /// <summary>socket path too long</summary>
        PathTooLong = 4,
        /// <summary>socket path in use by a live listener or a non-socket file</summary>
        AddrInUse = 5,
        /// <summary>no listener on the socket path</summary>
        NoListener = 6,
        /// <summary>permission denied (peer uid refused or socket not accessible)</summary>
        Permission = 7,
        /// <summary>malformed or truncated handshake</summary>
        Handshake = 8,
        /// <summary>ABI mismatch (magic or version differ)</summary>
        AbiMismatch = 9,
        /// <summary>byte order mismatch</summary>
        ByteOrder = 10,
        /// <summary>frame alignment or header size mismatch</summary>
        Alignment = 11,
        /// <summary>invalid capacity or segment size mismatch</summary>
        Capacity = 12,
        /// <summary>schema fingerprint mismatch</summary>
        SchemaMismatch = 13,
        /// <summary>timed out</summary>
        Timeout = 14,
        /// <summary>interrupted by a signal</summary>
        Interrupted = 15,
        /// <summary>ring full</summary>
        Full = 16,
        /// <summary>no message available</summary>
        Empty = 17,
        /// <summary>message larger than the bus maximum</summary>
        TooLarge = 18,
        /// <summary>peer closed or died</summary>
        PeerGone = 19,
        /// <summary>shared memory is corrupt</summary>
        Corrupt = 20,
        /// <summary>call out of order or wrong role</summary>
        State = 21,
        /// <summary>subscriber fell behind and was dropped (overrun); rejoin</summary>
        Lagged = 22,
    }

    /// <summary>
    /// A libtachyon call failed. One nested subclass per ErrorCode (except Ok), so a caller
    /// catches exactly what it handles: <c>catch (TachyonException.PeerGone)</c>. Message
    /// names the call and the numbers the failure knows (tachyon_format_error).
    /// </summary>
    public abstract class TachyonException : Exception
    {
        protected TachyonException(ErrorDetail detail, string message) : base(message)
        {
            Detail = detail;
        }

        /// <summary>The code of the failure.</summary>
        public ErrorCode Code { get { return (ErrorCode)Detail.Code; } }
        /// <summary>The errno behind the failure (always set for System), or 0.</summary>
        public int OsErrno { get { return Detail.OsErrno; } }
        /// <summary>Everything the C library reported.</summary>
        public ErrorDetail Detail { get; private set; }

        /// <summary>The C library's text for a code.</summary>
        public static string Describe(ErrorCode code)
        {
            return Marshal.PtrToStringAnsi(Native.tachyon_strerror((int)code));
        }

        /// <summary>The C table's short name of a code ("PeerGone").</summary>
        public static string NameOf(ErrorCode code)
        {
            return Marshal.PtrToStringAnsi(Native.tachyon_error_name((int)code));
        }

        internal static unsafe string Format(ErrorDetail detail)
        {
            byte* line = stackalloc byte[256];
            Native.tachyon_format_error(ref detail, line, (UIntPtr)256);
            return Marshal.PtrToStringAnsi((IntPtr)line);
        }

        /// <summary>The exception for a failure of `call`.</summary>
        public static TachyonException Create(ErrorDetail detail, string call)
        {
            string m = call + ": " + Format(detail);
            switch ((ErrorCode)detail.Code)
            {
                case ErrorCode.InvalidArg: return new InvalidArg(detail, m);
                case ErrorCode.NoMemory: return new NoMemory(detail, m);
                case ErrorCode.System: return new System(detail, m);
                case ErrorCode.PathTooLong: return new PathTooLong(detail, m);
                case ErrorCode.AddrInUse: return new AddrInUse(detail, m);
                case ErrorCode.NoListener: return new NoListener(detail, m);
                case ErrorCode.Permission: return new Permission(detail, m);
                case ErrorCode.Handshake: return new Handshake(detail, m);
                case ErrorCode.AbiMismatch: return new AbiMismatch(detail, m);
                case ErrorCode.ByteOrder: return new ByteOrder(detail, m);
                case ErrorCode.Alignment: return new Alignment(detail, m);
                case ErrorCode.Capacity: return new Capacity(detail, m);
                case ErrorCode.SchemaMismatch: return new SchemaMismatch(detail, m);
                case ErrorCode.Timeout: return new Timeout(detail, m);
                case ErrorCode.Interrupted: return new Interrupted(detail, m);
                case ErrorCode.Full: return new Full(detail, m);
                case ErrorCode.Empty: return new Empty(detail, m);
                case ErrorCode.TooLarge: return new TooLarge(detail, m);
                case ErrorCode.PeerGone: return new PeerGone(detail, m);
                case ErrorCode.Corrupt: return new Corrupt(detail, m);
                case ErrorCode.State: return new State(detail, m);
                case ErrorCode.Lagged: return new Lagged(detail, m);
                default: return new State(detail, m + " (code " + detail.Code + ")");
            }
        }

        /// <summary>The exception for `code` with no further detail.</summary>
        public static TachyonException Create(ErrorCode code, string call)
        {
            var d = new ErrorDetail();
            d.Code = (int)code;
            return Create(d, call);
        }

        /// <summary>Invalid argument (TACHYON_ERR_INVALID_ARG)</summary>
        public sealed class InvalidArg : TachyonException
        {
            internal InvalidArg(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Out of memory (TACHYON_ERR_NO_MEMORY)</summary>
        public sealed class NoMemory : TachyonException
        {
            internal NoMemory(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Unexpected system call failure (TACHYON_ERR_SYSTEM)</summary>
        public sealed class System : TachyonException
        {
            internal System(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Socket path too long (TACHYON_ERR_PATH_TOO_LONG)</summary>
        public sealed class PathTooLong : TachyonException
        {
            internal PathTooLong(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Socket path in use by a live listener or a non-socket file (TACHYON_ERR_ADDR_IN_USE)</summary>
        public sealed class AddrInUse : TachyonException
        {
            internal AddrInUse(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>No listener on the socket path (TACHYON_ERR_NO_LISTENER)</summary>
        public sealed class NoListener : TachyonException
        {
            internal NoListener(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Permission denied (peer uid refused or socket not accessible) (TACHYON_ERR_PERMISSION)</summary>
        public sealed class Permission : TachyonException
        {
            internal Permission(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Malformed or truncated handshake (TACHYON_ERR_HANDSHAKE)</summary>
        public sealed class Handshake : TachyonException
        {
            internal Handshake(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>ABI mismatch (magic or version differ) (TACHYON_ERR_ABI_MISMATCH)</summary>
        public sealed class AbiMismatch : TachyonException
        {
            internal AbiMismatch(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Byte order mismatch (TACHYON_ERR_BYTE_ORDER)</summary>
        public sealed class ByteOrder : TachyonException
        {
            internal ByteOrder(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Frame alignment or header size mismatch (TACHYON_ERR_ALIGNMENT)</summary>
        public sealed class Alignment : TachyonException
        {
            internal Alignment(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Invalid capacity or segment size mismatch (TACHYON_ERR_CAPACITY)</summary>
        public sealed class Capacity : TachyonException
        {
            internal Capacity(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Schema fingerprint mismatch (TACHYON_ERR_SCHEMA_MISMATCH)</summary>
        public sealed class SchemaMismatch : TachyonException
        {
            internal SchemaMismatch(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Timed out (TACHYON_ERR_TIMEOUT)</summary>
        public sealed class Timeout : TachyonException
        {
            internal Timeout(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Interrupted by a signal (TACHYON_ERR_INTERRUPTED)</summary>
        public sealed class Interrupted : TachyonException
        {
            internal Interrupted(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Ring full (TACHYON_ERR_FULL)</summary>
        public sealed class Full : TachyonException
        {
            internal Full(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>No message available (TACHYON_ERR_EMPTY)</summary>
        public sealed class Empty : TachyonException
        {
            internal Empty(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Message larger than the bus maximum (TACHYON_ERR_TOO_LARGE)</summary>
        public sealed class TooLarge : TachyonException
        {
            internal TooLarge(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Peer closed or died (TACHYON_ERR_PEER_GONE)</summary>
        public sealed class PeerGone : TachyonException
        {
            internal PeerGone(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Shared memory is corrupt (TACHYON_ERR_CORRUPT)</summary>
        public sealed class Corrupt : TachyonException
        {
            internal Corrupt(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Call out of order or wrong role (TACHYON_ERR_STATE)</summary>
        public sealed class State : TachyonException
        {
            internal State(ErrorDetail detail, string message) : base(detail, message) { }
        }

        /// <summary>Subscriber fell behind and was dropped (overrun); rejoin (TACHYON_ERR_LAGGED)</summary>
        public sealed class Lagged : TachyonException
        {
            internal Lagged(ErrorDetail detail, string message) : base(detail, message) { }
        }
    }
}
