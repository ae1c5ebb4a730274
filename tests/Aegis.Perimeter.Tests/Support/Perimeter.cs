using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Aegis.Cluster.Tests;

namespace Aegis.Perimeter.Tests.Support;

/// <summary>What the perimeter suites share: config edits before start, the CLI as a process, clients from other loopback addresses, metrics.</summary>
internal static class Perimeter
{
    public static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Replaces the generated security section of every node (the lines between "security:" and "logging:").</summary>
    public static void SetSecurity(this TestCluster cluster, string lines) => cluster.EditConfigs(yaml =>
    {
        int start = yaml.IndexOf("security:\n", StringComparison.Ordinal);
        int end = yaml.IndexOf("logging:\n", StringComparison.Ordinal);
        return yaml[..start] + "security:\n" + Indent(lines) + yaml[end..];
    });

    /// <summary>Adds keys to the api section of every node.</summary>
    public static void AddApi(this TestCluster cluster, string lines) =>
        cluster.EditConfigs(yaml => yaml.Replace("api:\n", "api:\n" + Indent(lines), StringComparison.Ordinal));

    /// <summary>Adds keys to the p2p section of every node.</summary>
    public static void AddP2p(this TestCluster cluster, string lines) =>
        cluster.EditConfigs(yaml => yaml.Replace("p2p:\n", "p2p:\n" + Indent(lines), StringComparison.Ordinal));

    public static void EditConfigs(this TestCluster cluster, Func<string, string> edit)
    {
        foreach (string config in Directory.GetFiles(cluster.Dir, "config.yaml", SearchOption.AllDirectories))
        {
            File.WriteAllText(config, edit(File.ReadAllText(config)));
        }
    }

    /// <summary>Runs `aegis ARGS` to the end; stdout and stderr are returned whole, trimmed.</summary>
    public static async Task<(int Exit, string Out, string Err)> CliAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken ct, params string[] args)
    {
        AegisCli.Result r = await AegisCli.RunAsync(environment, ct, args);
        return (r.Exit, r.Stdout.Trim(), r.Stderr.Trim());
    }

    /// <summary>An HTTP client whose connections leave from <paramref name="source"/> (any 127.x address is loopback on Linux): another client, as the node sees it.</summary>
    public static HttpClient ClientFrom(IPAddress source, int maxConnections = int.MaxValue) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = maxConnections,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The value of one series in Prometheus text (<paramref name="series"/> with its labels, e.g. <c>x_total{reason="a"}</c>); 0 when absent.</summary>
    public static double Metric(string text, string series)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The sum of every series of a metric, whatever its labels.</summary>
    public static double MetricSum(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>Whether the server closed its end within <paramref name="limit"/> (2 s by default): a read returns 0 or the connection was reset, rather than timing out.</summary>
    public static async Task<bool> ClosedByPeerAsync(Socket s, CancellationToken ct, TimeSpan? limit = null)
    {
        var buffer = new byte[4096];
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(limit ?? TimeSpan.FromSeconds(2));
        try
        {
            while (await s.ReceiveAsync(buffer, SocketFlags.None, wait.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    /// <summary>A JWT built by hand (not by the library under test): header and payload as given, HS256 over them with <paramref name="secret"/>.</summary>
    public static string Hs256(string headerJson, string payloadJson, byte[] secret)
    {
        string signingInput = Base64Url(headerJson) + "." + Base64Url(payloadJson);
        return signingInput + "." + Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    public static long Now(int offsetSeconds = 0) => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds;

    private static string Indent(string lines) =>
        string.Concat(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n"));
}
