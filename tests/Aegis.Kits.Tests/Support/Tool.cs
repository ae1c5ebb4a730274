using System.Diagnostics;

namespace Aegis.Kits.Tests.Support;

/// <summary>Runs the real operator tools (promtool, yamllint, …) and says how to get one that is missing.</summary>
public static class Tool
{
    /// <summary>Debian package for each tool, as installed by .ci/install/30-monitoring.sh.</summary>
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["promtool"] = "prometheus",
        ["yamllint"] = "yamllint",
        ["shellcheck"] = "shellcheck",
        ["systemd-analyze"] = "systemd",
        ["kubectl"] = "kubernetes-client",
        ["docker-compose"] = "docker-compose",
        ["logrotate"] = "logrotate",
        ["/usr/bin/python3"] = "python3-kubernetes",
    };

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string tool)
    {
        if (Path.IsPathRooted(tool))
        {
            return File.Exists(tool) ? tool : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Missing(string tool) =>
        $"{tool} is not installed: apt-get install {Packages.GetValueOrDefault(tool, tool)} (or run .ci/install/30-monitoring.sh)";

    public static Result Run(string tool, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, int timeoutSeconds = 120, string? stdin = null)
    {
        string path = Find(tool) ?? throw new InvalidOperationException(Missing(tool));
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish within {timeoutSeconds} s");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result, $"{tool} {string.Join(' ', args)}");
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, string Command)
    {
        public Result AssertSuccess()
        {
            Assert.True(ExitCode == 0, $"{Command} exited {ExitCode}:\n{Stdout}\n{Stderr}");
            return this;
        }
    }
}

/// <summary>
/// A test that needs operator tools: with CI=true it always runs (and fails loudly if a tool is missing); on a
/// developer machine without them it is skipped with the command that installs them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        string[] missing = [.. tools.Where(t => Tool.Find(t) is null)];
        if (missing.Length > 0 && !Tool.IsCi)
        {
            Skip = string.Join("; ", missing.Select(Tool.Missing));
        }
    }
}
