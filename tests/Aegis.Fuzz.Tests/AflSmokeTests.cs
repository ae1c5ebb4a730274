using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Aegis.Fuzz.Tests;

/// <summary>
/// The CI smoke run: every target under real afl-fuzz for a few seconds (FUZZ_SMOKE_SECONDS, default 5) through
/// fuzz/run.sh, on the solution's own build of fuzz/Aegis.Fuzz. Fails on any crash, hang or afl-fuzz error.
/// </summary>
public sealed partial class AflSmokeTests(ITestOutputHelper output)
{
    [AflFact]
    public async Task Every_target_runs_under_afl_fuzz_without_a_crash_or_a_hang()
    {
        string seconds = Environment.GetEnvironmentVariable("FUZZ_SMOKE_SECONDS") is { Length: > 0 } s ? s : "5";

        // This assembly sits in tests/Aegis.Fuzz.Tests/bin/<configuration>/net10.0; the fuzz build is the same configuration's.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string build = Path.Combine(Repo.Fuzz, "Aegis.Fuzz", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(build, "Aegis.Fuzz.dll")), $"no build of fuzz/Aegis.Fuzz at {build}");

        string work = Path.Combine(Path.GetTempPath(), "aegis-fuzz-smoke-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(Repo.Fuzz, "run.sh"), "all", seconds])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["FUZZ_BUILD"] = build, ["FUZZ_WORK"] = work, ["FUZZ_OUT"] = Path.Combine(work, "findings") },
            };
            using Process run = Process.Start(start)!;
            Task<string> stdout = run.StandardOutput.ReadToEndAsync();
            Task<string> stderr = run.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            try
            {
                await run.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                run.Kill(entireProcessTree: true);
                throw;
            }

            string text = await stdout;
            output.WriteLine(text);
            output.WriteLine(await stderr);
            var lines = Summary().Matches(text).ToDictionary(m => m.Groups["target"].Value, m => m);
            Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(StringComparer.Ordinal), lines.Keys.Order(StringComparer.Ordinal));
            foreach ((string target, Match m) in lines)
            {
                Assert.True(m.Groups["exit"].Value == "0", $"{target}: afl-fuzz exited {m.Groups["exit"].Value}\n{await stderr}");
                Assert.True(m.Groups["crashes"].Value == "0" && m.Groups["hangs"].Value == "0", $"{target}: {m.Value}\n{await stderr}");
                Assert.True(long.Parse(m.Groups["execs"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, $"{target} executed nothing: {m.Value}");
            }

            Assert.Equal(0, run.ExitCode);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"^(?<target>[a-z0-9-]+)\t[a-z0-9]+\texecs=(?<execs>\d+)\tcrashes=(?<crashes>\S+)\thangs=(?<hangs>\S+)\tseconds=\d+\tafl_exit=(?<exit>\d+)$", RegexOptions.Multiline)]
    private static partial Regex Summary();
}

/// <summary>Needs afl-fuzz on PATH: skipped locally without it (saying how to get it), fails loudly in CI.</summary>
public sealed class AflFactAttribute : FactAttribute
{
    public AflFactAttribute()
    {
        bool present = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "afl-fuzz")));
        if (!present && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "needs afl-fuzz: apt-get install afl++ (what .ci/install/25-fuzz.sh does)";
        }
    }
}
