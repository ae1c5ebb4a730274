using System.Globalization;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Cli.Tls;
using Aegis.Node.Identity;

namespace Aegis.Cli.Testnet;

/// <summary>
/// Writes a testnet: DIR/genesis.json and DIR/node{i}/config.yaml + node.key (with TLS also DIR/ca.crt and
/// DIR/node{i}/tls.crt + tls.key). Locally (no hosts) node i listens on p2p P+10i, api P+10i+1, metrics P+10i+2, all on
/// 127.0.0.1. With one host per node (containers, pods, machines) every node uses P, P+1, P+2 on all interfaces and is
/// reached at its host: the layout of deploy/compose and deploy/k8s.
/// </summary>
public static class TestnetGenerator
{
    public static string ConfigPath(string dir, int i) => Path.Combine(dir, $"node{i}", "config.yaml");

    public static int ApiPort(int basePort, int i) => basePort + (10 * i) + 1;

    /// <summary>A testnet written with TLS has its CA next to genesis.json; its nodes then serve https.</summary>
    public static bool HasTls(string dir) => File.Exists(Path.Combine(dir, LocalCertificateAuthority.CaCertFile));

    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, "genesis.json"));

    /// <param name="observers">nodes after the validators (node{N}…) whose keys are not in the genesis: they follow, verify and serve, never vote.</param>
    public static void Write(string dir, int validators, int basePort, string storage, string? connectionString, ConsensusParameters? parameters = null, IReadOnlyList<string>? hosts = null, bool tls = false, int observers = 0)
    {
        if (hosts is not null && hosts.Count != validators + observers)
        {
            throw new ArgumentException($"{hosts.Count} hosts for {validators + observers} nodes", nameof(hosts));
        }

        var layout = new Layout(basePort, hosts);
        Directory.CreateDirectory(dir);
        if (tls)
        {
            LocalCertificateAuthority.WriteCa(dir, Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')));
        }

        var signers = new List<EcdsaP256Signer>();
        try
        {
            var list = new List<Validator>();
            for (int i = 0; i < validators + observers; i++)
            {
                EcdsaP256Signer signer = EcdsaP256Signer.Generate();
                signers.Add(signer);
                if (i < validators)
                {
                    list.Add(new Validator((ushort)i, $"node-{i}", signer.PublicKey, layout.P2pAddress(i)));
                }

                string nodeDir = Path.Combine(dir, $"node{i}");
                Directory.CreateDirectory(nodeDir);
                KeyFile.Write(Path.Combine(nodeDir, "node.key"), signer, overwrite: true);
                if (tls)
                {
                    LocalCertificateAuthority.WriteNode(dir, nodeDir, $"node-{i}", hosts?[i]);
                }
            }

            var genesis = new Genesis($"aegis-local-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new ValidatorSet(list), parameters ?? new ConsensusParameters());
            File.WriteAllText(Path.Combine(dir, "genesis.json"), GenesisDocument.From(genesis).ToJson());
            for (int i = 0; i < validators + observers; i++)
            {
                File.WriteAllText(ConfigPath(dir, i), ConfigYaml(i, validators, layout, storage, connectionString, tls));
            }
        }
        finally
        {
            foreach (EcdsaP256Signer s in signers)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Splits <c>--hosts</c>: a comma-separated list, or one name with <c>{i}</c> standing for the node's index.</summary>
    public static List<string> ExpandHosts(string hosts, int validators) =>
        hosts.Contains("{i}", StringComparison.Ordinal)
            ? [.. Enumerable.Range(0, validators).Select(i => hosts.Replace("{i}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))]
            : [.. hosts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string ConfigYaml(int i, int n, Layout layout, string storage, string? connectionString, bool tls)
    {
        string tlsFiles = tls ? $"\"./{LocalCertificateAuthority.NodeCertFile}\"" : "\"\"";
        string tlsKey = tls ? $"\"./{LocalCertificateAuthority.NodeKeyFile}\"" : "\"\"";
        // n counts the validators; an observer (i >= n) dials and shows every validator.
        string bootstrap = string.Join(", ", Enumerable.Range(0, n).Where(j => j != i).Select(j => $"\"{layout.P2pAddress(j)}\""));
        string peerApis = string.Join(", ", Enumerable.Range(0, n).Where(j => j != i).Select(j => $"\"{layout.ApiUrl(j, tls)}\""));
        string role = i < n ? $"validator {i} of {n}" : $"observer (not in the genesis validator set: follows and verifies the chain, never votes), beside {n} validators";
        string id = i < n ? $"node-{i}" : $"observer-{i - n}";
        string connection = storage == "postgresql" ? $"\"{connectionString ?? "${AEGIS_DATABASE_URL}"}\"" : "\"\"";
        return string.Create(CultureInfo.InvariantCulture, $"""
            # Generated by `aegis testnet`: {role}. Paths are relative to this file.
            node:
              id: "{id}"
              environment: development
              data_dir: ./data
              key_file: ./node.key
            genesis_file: ../genesis.json
            p2p:
              host: {layout.ListenHost}
              port: {layout.P2pPort(i)}
              bootstrap_nodes: [{bootstrap}]
              max_peers: 50
            consensus:
              algorithm: pbft
              view_change_timeout_ms: 2000
              max_block_txs: 2000
            storage:
              type: {storage}
              connection_string: {connection}
              schema: "{(storage == "postgresql" ? $"aegis_node{i}" : "")}"
            api:
              host: {layout.ListenHost}
              port: {layout.P2pPort(i) + 1}
              tls:
                cert_file: {tlsFiles}
                key_file: {tlsKey}
                min_version: "1.2"
            monitoring:
              metrics_port: {layout.P2pPort(i) + 2}
            security:
              authentication: false
              rate_limit_per_minute: 600000
            logging:
              level: INFO
              format: text
            dashboard:
              peer_api_urls: [{peerApis}]
              peer_ca_file: "{(tls ? $"../{LocalCertificateAuthority.CaCertFile}" : "")}"

            """);
    }

    private sealed record Layout(int BasePort, IReadOnlyList<string>? Hosts)
    {
        public string ListenHost => Hosts is null ? "127.0.0.1" : "0.0.0.0";

        public int P2pPort(int i) => Hosts is null ? BasePort + (10 * i) : BasePort;

        public string P2pAddress(int i) => $"{Host(i)}:{P2pPort(i)}";

        public string ApiUrl(int i, bool tls) => $"{(tls ? "https" : "http")}://{Host(i)}:{P2pPort(i) + 1}";

        private string Host(int i) => Hosts is null ? "127.0.0.1" : Hosts[i];
    }
}
