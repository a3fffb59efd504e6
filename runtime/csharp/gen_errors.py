#!/usr/bin/env python3
"""Writes runtime/csharp/Tachyon/Errors.cs from tachyon.h's error table
(TACHYON_ERROR_LIST): the ErrorCode enum and one nested TachyonException class
per code. Run it after a code is added to the table; the C# tests parse
tachyon.h and fail until Errors.cs matches.

Usage: runtime/csharp/gen_errors.py [runtime/include/tachyon.h] [OUT]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    header = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "runtime", "include", "tachyon.h")
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "runtime", "csharp", "Tachyon", "Errors.cs")
    rows = re.findall(r'X\((TACHYON_\w+), (\d+), (\w+), "([^"]*)"\)', open(header).read())
    if not rows:
        sys.exit("no TACHYON_ERROR_LIST rows in " + header)
    out = ['''// Errors.cs - libtachyon's error codes and one exception class per code.
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
    {''']
    for _, num, short, text in rows:
        out.append('        /// <summary>%s</summary>' % text)
        out.append('        %s = %s,' % (short, num))
    out.append('''    }

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
            {''')
    for _, num, short, text in rows:
        if short != "Ok":
            out.append('                case ErrorCode.%s: return new %s(detail, m);' % (short, short))
    out.append('''                default: return new State(detail, m + " (code " + detail.Code + ")");
            }
        }

        /// <summary>The exception for `code` with no further detail.</summary>
        public static TachyonException Create(ErrorCode code, string call)
        {
            var d = new ErrorDetail();
            d.Code = (int)code;
            return Create(d, call);
        }
''')
    classes = []
    for name, num, short, text in rows:
        if short == "Ok":
            continue
        classes.append('''        /// <summary>%s (%s)</summary>
        public sealed class %s : TachyonException
        {
            internal %s(ErrorDetail detail, string message) : base(detail, message) { }
        }''' % (text[0].upper() + text[1:], name, short, short))
    out.append("\n\n".join(classes))
    out.append('''    }
}
''')
    with open(out_path, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
