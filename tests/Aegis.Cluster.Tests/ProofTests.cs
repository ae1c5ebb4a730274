using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aegis.Cluster.Tests;

/// <summary>
/// `GET /v1/kv/{key}?proof=true` from a running testnet of real processes, checked by `aegis proof verify` with only the
/// genesis file: a present key, an absent key, and a proof with one altered byte.
/// </summary>
public class ProofTests
{
    [Fact]
    public async Task Proofs_fetched_from_a_running_testnet_verify_offline_and_one_altered_byte_fails_naming_why()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(240)).Token;
        await using var cluster = new TestCluster();
        await cluster.StartAsync(ct);
        // A few other keys first, so the proof has siblings to alter.
        for (int i = 0; i < 8; i++)
        {
            await cluster.PostTxAsync(i % 4, $"proof/other-{i}", "o", wait: false, ct);
        }

        (int status, _) = await cluster.PostTxAsync(0, "proof/present", "yes", wait: true, ct);
        Assert.True(status == 200, cluster.Logs());

        // A header commits to the state pipeline_depth blocks below it: commit more blocks until the tip's header covers the write.
        string present = "";
        for (int i = 0; i < 80 && ValueOf(present) != "yes"; i++)
        {
            await cluster.PostTxAsync(i % 4, $"proof/filler-{i}", "x", wait: true, ct);
            present = await GetProofAsync(cluster, 1, "proof/present", ct);
        }

        Assert.Equal("yes", ValueOf(present));
        string genesis = Path.Combine(cluster.Dir, "genesis.json");
        string file = Path.Combine(cluster.Dir, "present.json");
        await File.WriteAllTextAsync(file, present, ct);
        AegisCli.Result ok = await AegisCli.RunAsync(null, ct, "proof", "verify", "--genesis", genesis, "--proof", file);
        Assert.True(ok.Exit == 0, ok.ToString());
        Assert.StartsWith("ok: key=proof/present ", ok.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Contains("value=yes", ok.Stdout, StringComparison.Ordinal);

        // Absent: 200 with a proof of absence, from another node.
        string absent = await GetProofAsync(cluster, 2, "proof/never-written", ct);
        Assert.Null(ValueOf(absent));
        string absentFile = Path.Combine(cluster.Dir, "absent.json");
        await File.WriteAllTextAsync(absentFile, absent, ct);
        AegisCli.Result none = await AegisCli.RunAsync(null, ct, "proof", "verify", "--genesis", genesis, "--proof", absentFile);
        Assert.True(none.Exit == 0, none.ToString());
        Assert.Contains("key=proof/never-written", none.Stdout, StringComparison.Ordinal);
        Assert.Contains("absent", none.Stdout, StringComparison.Ordinal);

        // One altered byte in a sibling hash: the proof no longer folds up to the certified state root.
        JsonNode doc = JsonNode.Parse(present)!;
        JsonArray siblings = doc["proof"]!["siblings"]!.AsArray();
        Assert.NotEmpty(siblings);
        string sibling = siblings[0]!.GetValue<string>();
        siblings[0] = (sibling[0] == '0' ? "1" : "0") + sibling[1..];
        string alteredFile = Path.Combine(cluster.Dir, "altered.json");
        await File.WriteAllTextAsync(alteredFile, doc.ToJsonString(), ct);
        AegisCli.Result bad = await AegisCli.RunAsync(null, ct, "proof", "verify", "--genesis", genesis, "--proof", alteredFile);
        Assert.True(bad.Exit == 1, bad.ToString());
        Assert.Contains("state root", bad.Stderr, StringComparison.Ordinal);

        // A bad flag is a 400 naming it.
        using HttpResponseMessage flag = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/kv/proof/present?proof=yes", ct);
        Assert.Equal(400, (int)flag.StatusCode);
        Assert.Contains("proof", await flag.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    private static string? ValueOf(string proof)
    {
        if (proof.Length == 0)
        {
            return null;
        }

        using JsonDocument parsed = JsonDocument.Parse(proof);
        return parsed.RootElement.GetProperty("value").GetString();
    }

    private static async Task<string> GetProofAsync(TestCluster cluster, int node, string key, CancellationToken ct)
    {
        using HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(node) + $"/v1/kv/{key}?proof=true", ct);
        string body = await r.Content.ReadAsStringAsync(ct);
        Assert.True((int)r.StatusCode == 200, $"{(int)r.StatusCode} {body}");
        using JsonDocument parsed = JsonDocument.Parse(body);
        Assert.Equal("aegis-kv-proof/1", parsed.RootElement.GetProperty("proof").GetProperty("format").GetString());
        return body;
    }
}
