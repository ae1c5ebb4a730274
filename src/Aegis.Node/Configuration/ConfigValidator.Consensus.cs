using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Node.Configuration;

public static partial class ConfigValidator
{
    private static void CheckConsensus(ConsensusSection c, ProblemList p)
    {
        p.Check(c.Algorithm == "pbft", "consensus.algorithm", c.Algorithm, "expected pbft");
        p.Check(c.TickMs is >= 1 and <= 10_000, "consensus.tick_ms", c.TickMs, "expected 1-10000");

        // The view-change timer counts ticks; under two ticks a healthy primary would be replaced before it could answer.
        int minimum = 2 * Math.Max(1, c.TickMs);
        p.Check(c.ViewChangeTimeoutMs >= minimum && c.ViewChangeTimeoutMs <= 600_000, "consensus.view_change_timeout_ms", c.ViewChangeTimeoutMs, $"expected {minimum}-600000 (at least 2 × tick_ms)");
        p.Check(c.MaxBlockTxs is >= 1 and <= LedgerLimits.MaxBlockTxs, "consensus.max_block_txs", c.MaxBlockTxs, $"expected 1-{LedgerLimits.MaxBlockTxs}");
        p.Check(c.MaxBlocksInFlight is >= 1 and <= ConsensusParameters.MaxPipelineDepth, "consensus.max_blocks_in_flight", c.MaxBlocksInFlight, $"expected 1-{ConsensusParameters.MaxPipelineDepth}");

        // Genesis owns the ranges of chain-wide parameters; asking it keeps one definition of "valid".
        if (c.PipelineDepth is { } depth && new ConsensusParameters { PipelineDepth = depth }.Validate() is { } depthProblem)
        {
            p.AddLine("consensus." + depthProblem);
        }

        if (c.CheckpointInterval is { } interval && new ConsensusParameters { CheckpointInterval = interval }.Validate() is { } intervalProblem)
        {
            p.AddLine("consensus." + intervalProblem);
        }
    }

    private static void CheckStorage(AegisConfig c, ProblemList p)
    {
        int before = p.Count;
        string type = c.Storage.Type.Trim().ToLowerInvariant();
        p.Check(type is StorageOptions.Sqlite or StorageOptions.PostgreSql, "storage.type", c.Storage.Type, "expected sqlite or postgresql");
        p.Check(c.Storage.SnapshotMinBlocks is >= 1 and <= 100_000_000, "storage.snapshot_min_blocks", c.Storage.SnapshotMinBlocks, "expected 1-100000000");
        p.Check(c.Storage.VerifyRecentBlocks >= 0, "storage.verify_recent_blocks", c.Storage.VerifyRecentBlocks, "expected 0 (no start-time check) or a positive number of blocks");
        if (type == StorageOptions.PostgreSql)
        {
            p.Check(!string.IsNullOrWhiteSpace(c.Storage.ConnectionString), "storage.connection_string", c.Storage.ConnectionString, "expected a connection string when storage.type is postgresql (or set AEGIS_DATABASE_URL)");
        }

        // The engine has rules of its own (the schema name, future options); ask it only once ours and node.data_dir pass,
        // so no mistake is reported twice.
        if (p.Count == before && !string.IsNullOrWhiteSpace(c.Node.DataDir))
        {
            StorageOptions engine = c.ToStorageOptions();
            foreach (string line in engine.Validate())
            {
                p.AddLine(line);
            }
        }
    }
}
