// SilentServer.cs - the server RpcTests.ServerKilledFailsEveryPendingCall kills:
// listens on args[0], takes every call and never answers it. Built by run.sh
// into its own executable (rpc-silent-server.exe).
using System;
using Tachyon;

public static class SilentServer
{
    public static int Main(string[] args)
    {
        using (var conn = RpcServer.Listen(args[0], 1 << 16, new Options { Timeout = TimeSpan.FromSeconds(10) }))
        {
            for (;;)
            {
                conn.NextRequest();
                conn.Defer();
            }
        }
    }
}
