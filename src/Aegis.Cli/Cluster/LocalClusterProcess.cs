using Aegis.Node.Security;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aegis.Cli.Testnet;

namespace Aegis.Cli.Cluster;

/// <summary>
/// A testnet's nodes as child processes on 127.0.0.1: start, stop cleanly, kill -9, pause/resume, wipe, and poll
/// their status. Each node's output goes to DIR/node{i}/node.log. Used by `aegis up` and the real-process tests.
/// Only processes this object started are ever signalled, by PID.
/// </summary>
public sealed class LocalClusterProcess : IAsyncDisposable
{
    private readonly Process?[] _processes;
    private readonly HttpClient _http;

    public LocalClusterProcess(string dir, int validators, int basePort)
    {
        Dir = Path.GetFullPath(dir);
        Validators = validators;
        BasePort = basePort;
        _processes = new Process?[validators];
        CaCertFile = TestnetGenerator.HasTls(Dir) ? Path.Combine(Dir, Tls.LocalCertificateAuthority.CaCertFile) : null;
        _http = Aegis.Node.Security.ApiHttp.Create(CaCertFile, TimeSpan.FromSeconds(5));
    }

    /// <summary>The testnet's CA (DIR/ca.crt) when its nodes serve TLS; null for plain HTTP.</summary>
    public string? CaCertFile { get; }

    public string Dir { get; }

    public int Validators { get; }

    public int BasePort { get; }

    public Dictionary<string, string> Environment { get; } = [];

    public string ApiUrl(int i) => $"{(CaCertFile is null ? "http" : "https")}://127.0.0.1:{TestnetGenerator.ApiPort(BasePort, i)}";

    public string LogPath(int i) => Path.Combine(Dir, $"node{i}", "node.log");

    public int? Pid(int i) => _processes[i] is { HasExited: false } p ? p.Id : null;

    public bool IsRunning(int i) => _processes[i] is { HasExited: false };

    public void Start(int i)
    {
        if (IsRunning(i))
        {
            return;
        }

        ProcessStartInfo info = AegisExecutable.StartInfo("run", "--config", TestnetGenerator.ConfigPath(Dir, i), "--exit-on-stdin-close");
        foreach ((string k, string v) in Environment)
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var log = new StreamWriter(new FileStream(LogPath(i), FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Exited += (_, _) => Write(log, $"--- process exited with code {SafeExitCode(process)} ---");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[i] = process;
    }

    public void StartAll()
    {
        for (int i = 0; i < Validators; i++)
        {
            Start(i);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if the node has not exited within the grace period.</summary>
    public async Task StopAsync(int i, TimeSpan grace)
    {
        Process? p = _processes[i];
        if (p is null || p.HasExited)
        {
            return;
        }

        Signals.Send(p.Id, Signals.SigCont);
        Signals.Send(p.Id, Signals.SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async Task StopAllAsync(TimeSpan grace) => await Task.WhenAll(Enumerable.Range(0, Validators).Select(i => StopAsync(i, grace)));

    /// <summary>kill -9: no chance to flush or say goodbye.</summary>
    public async Task KillAsync(int i)
    {
        Process? p = _processes[i];
        if (p is { HasExited: false })
        {
            p.Kill();
            await p.WaitForExitAsync(CancellationToken.None);
        }
    }

    public bool Pause(int i) => Pid(i) is int pid && Signals.Send(pid, Signals.SigStop);

    public bool Resume(int i) => Pid(i) is int pid && Signals.Send(pid, Signals.SigCont);

    public void WipeData(int i)
    {
        string data = Path.Combine(Dir, $"node{i}", "data");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }

    public async Task<JsonElement?> StatusAsync(int i, CancellationToken ct)
    {
        try
        {
            return await _http.GetFromJsonAsync(ApiUrl(i) + "/status", Commands.CliJson.Default.JsonElement, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public async Task<bool> IsReadyAsync(int i, CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage r = await _http.GetAsync(ApiUrl(i) + "/ready", ct);
            return r.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until every running node answers /ready; false on timeout (or if a node exited).</summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            bool all = true;
            for (int i = 0; i < Validators; i++)
            {
                if (!IsRunning(i) || !await IsReadyAsync(i, ct))
                {
                    all = false;
                    break;
                }
            }

            if (all)
            {
                return true;
            }

            await Task.Delay(250, ct);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync(TimeSpan.FromSeconds(10));
        foreach (Process? p in _processes)
        {
            p?.Dispose();
        }

        _http.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }
}
