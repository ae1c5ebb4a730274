using System.Diagnostics;

namespace Aegis.Cli.Cluster;

/// <summary>How to start another `aegis` process: the apphost if we are one, else `dotnet aegis.dll`.</summary>
public static class AegisExecutable
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        string dll = typeof(AegisExecutable).Assembly.Location;
        string? self = Environment.ProcessPath;
        string apphost = Path.Combine(Path.GetDirectoryName(dll)!, OperatingSystem.IsWindows() ? "aegis.exe" : "aegis");
        var info = self is not null && Path.GetFileNameWithoutExtension(self) == "aegis"
            ? new ProcessStartInfo(self)
            : File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { dll } };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        return info;
    }
}
