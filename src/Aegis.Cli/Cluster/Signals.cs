using System.Runtime.InteropServices;

namespace Aegis.Cli.Cluster;

/// <summary>POSIX signals for child nodes: SIGTERM for a clean stop, SIGSTOP/SIGCONT to pause (Process.Kill only sends SIGKILL).</summary>
public static partial class Signals
{
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;

    public static bool Send(int pid, int signal) => !OperatingSystem.IsWindows() && SysKill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);
}
