using System.Diagnostics;

namespace Aegis.Mesh.Hosting;

/// <summary>Runs iproute2 and nftables for what ioctls do not cover (routes for an exit, NAT rules); failures name the command.</summary>
internal static class SystemCommands
{
    public static void Run(string file, string arguments, string? input = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new IOException($"cannot start {file}");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"{file} {arguments} failed (exit {process.ExitCode}): {error.Trim()}");
        }
    }

    public static bool TryRun(string file, string arguments, string? input = null)
    {
        try
        {
            Run(file, arguments, input);
            return true;
        }
        catch (Exception ex) when (ex is IOException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
