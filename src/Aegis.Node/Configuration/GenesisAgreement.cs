using Aegis.Core.Consensus;

namespace Aegis.Node.Configuration;

/// <summary>
/// consensus.pipeline_depth and consensus.checkpoint_interval may only restate genesis: a replica running other values
/// would disagree with its peers about which blocks are valid, so a mismatch stops the node before it starts.
/// </summary>
internal static class GenesisAgreement
{
    public static IReadOnlyList<string> Check(ConsensusSection consensus, ConsensusParameters genesis, string genesisFile)
    {
        var problems = new List<string>();
        if (consensus.PipelineDepth is { } depth && depth != genesis.PipelineDepth)
        {
            problems.Add($"consensus.pipeline_depth: {depth} — expected {genesis.PipelineDepth} as in {genesisFile} (chain-wide; omit it to use genesis)");
        }

        if (consensus.CheckpointInterval is { } interval && interval != genesis.CheckpointInterval)
        {
            problems.Add($"consensus.checkpoint_interval: {interval} — expected {genesis.CheckpointInterval} as in {genesisFile} (chain-wide; omit it to use genesis)");
        }

        return problems;
    }
}
