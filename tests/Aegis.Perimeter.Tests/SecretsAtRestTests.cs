using Aegis.Cluster.Tests;
using Aegis.Core.Crypto;
using Aegis.Node.Identity;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>Key files sealed with AEGIS_ENCRYPTION_KEY: made by `aegis keygen --encrypt`, needed to start, refused clearly without it.</summary>
public class SecretsAtRestTests
{
    private const string Passphrase = "perimeter passphrase for the test";

    [Fact]
    public async Task Keygen_encrypt_seals_the_key_and_a_node_with_an_encrypted_key_starts_only_with_the_passphrase()
    {
        CancellationToken ct = Timeout(150);
        string dir = Path.Combine(Path.GetTempPath(), "aegis-keygen-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string keyFile = Path.Combine(dir, "sealed.key");
            (int exit, _, string err) = await CliAsync(new Dictionary<string, string> { ["AEGIS_ENCRYPTION_KEY"] = "" }, ct, "keygen", "--out", keyFile, "--encrypt");
            Assert.Equal(2, exit);
            Assert.Contains("AEGIS_ENCRYPTION_KEY is not set", err, StringComparison.Ordinal);
            (exit, string output, err) = await CliAsync(new Dictionary<string, string> { ["AEGIS_ENCRYPTION_KEY"] = Passphrase }, ct, "keygen", "--out", keyFile, "--encrypt");
            Assert.True(exit == 0, err);
            Assert.Contains("encrypted", output, StringComparison.Ordinal);
            string text = await File.ReadAllTextAsync(keyFile, ct);
            Assert.Contains("encrypted_private_key", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"private_key\"", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        await using var cluster = new TestCluster(validators: 1);
        string key = Path.Combine(cluster.Dir, "node0", "node.key");
        IExportableSigner signer = KeyFile.ReadSigner(key);
        KeyFile.Write(key, signer, overwrite: true, passphrase: Passphrase);
        string config = Path.Combine(cluster.Dir, "node0", "config.yaml");

        (int noKey, _, string noKeyErr) = await CliAsync(new Dictionary<string, string> { ["AEGIS_ENCRYPTION_KEY"] = "" }, ct, "config", "check", "--config", config);
        Assert.Equal(2, noKey);
        Assert.Contains("is encrypted; set AEGIS_ENCRYPTION_KEY", noKeyErr, StringComparison.Ordinal);
        (int wrong, _, string wrongErr) = await CliAsync(new Dictionary<string, string> { ["AEGIS_ENCRYPTION_KEY"] = "not it" }, ct, "run", "--config", config);
        Assert.Equal(2, wrong);
        Assert.Contains("wrong AEGIS_ENCRYPTION_KEY", wrongErr, StringComparison.Ordinal);

        cluster.Processes.Environment["AEGIS_ENCRYPTION_KEY"] = Passphrase;
        await cluster.StartAsync(ct);
        Assert.Equal(200, (await cluster.PostTxAsync(0, "sealed", "yes", wait: true, ct)).Status);
    }
}
