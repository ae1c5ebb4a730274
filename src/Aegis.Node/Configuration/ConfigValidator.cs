using System.Collections.ObjectModel;

namespace Aegis.Node.Configuration;

/// <summary>
/// Every rule at once, one line per problem: <c>field: value — what was expected</c>. Values pass through
/// <see cref="ProblemText"/>, so secrets never appear. Pure: no files, no network, so it is cheap to run anywhere.
/// </summary>
public static partial class ConfigValidator
{
    public static IReadOnlyList<string> Validate(AegisConfig config) => Validate(config, ReadOnlyDictionary<string, IReadOnlyList<string>>.Empty);

    /// <summary>As <see cref="Validate(AegisConfig)"/>; a key that is needed but came from an unset <c>${VAR}</c> is reported naming the variable.</summary>
    internal static IReadOnlyList<string> Validate(AegisConfig config, IReadOnlyDictionary<string, IReadOnlyList<string>> unsetVariables)
    {
        var p = new ProblemList(unsetVariables);
        CheckNode(config, p);
        CheckNetwork(config, p);
        CheckConsensus(config.Consensus, p);
        CheckStorage(config, p);
        CheckSecurity(config, p);
        CheckApiPerimeter(config.Api, p);
        CheckLogging(config.Logging, p);
        CheckMempool(config.Mempool, p);
        CheckDashboard(config.Dashboard, p);
        foreach (string line in config.Content.Validate())
        {
            p.AddLine(line);
        }

        return p.Lines;
    }

    private static void CheckNode(AegisConfig c, ProblemList p)
    {
        p.Check(c.Node.Environment is "development" or "testing" or "production", "node.environment", c.Node.Environment, "expected development, testing or production");
        p.Check(!string.IsNullOrWhiteSpace(c.Node.DataDir), "node.data_dir", c.Node.DataDir, "expected a directory for the node's data");
        p.Check(!string.IsNullOrWhiteSpace(c.Node.KeyFile), "node.key_file", c.Node.KeyFile, "expected the path of the node's key file");
        p.Check(!string.IsNullOrWhiteSpace(c.GenesisFile), "genesis_file", c.GenesisFile, "expected the path of genesis.json");
    }

    private static void CheckLogging(LoggingSection l, ProblemList p)
    {
        p.Check(l.Level.ToUpperInvariant() is "DEBUG" or "INFO" or "WARNING" or "ERROR", "logging.level", l.Level, "expected DEBUG, INFO, WARNING or ERROR");
        p.Check(l.Format is "text" or "json", "logging.format", l.Format, "expected text or json");
    }

    private static void CheckMempool(MempoolSection m, ProblemList p)
    {
        p.Check(m.MaxTxs > 0, "mempool.max_txs", m.MaxTxs, "expected a positive number of transactions");
        p.Check(m.MaxBytes > 0, "mempool.max_bytes", m.MaxBytes, "expected a positive number of bytes");
    }
}
