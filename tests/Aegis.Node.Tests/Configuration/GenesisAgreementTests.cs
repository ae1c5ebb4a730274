using Aegis.Core.Consensus;
using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class GenesisAgreementTests
{
    [Fact]
    public void Unset_or_equal_chain_parameters_agree_with_genesis()
    {
        var genesis = new ConsensusParameters { PipelineDepth = 16, CheckpointInterval = 64 };
        Assert.Empty(GenesisAgreement.Check(new ConsensusSection(), genesis, "/g.json"));
        Assert.Empty(GenesisAgreement.Check(new ConsensusSection { PipelineDepth = 16, CheckpointInterval = 64 }, genesis, "/g.json"));
    }

    [Fact]
    public void A_node_that_would_disagree_with_its_peers_is_stopped_with_the_genesis_value()
    {
        var genesis = new ConsensusParameters { PipelineDepth = 16, CheckpointInterval = 64 };

        Assert.Equal(
            [
                "consensus.pipeline_depth: 4 — expected 16 as in /g.json (chain-wide; omit it to use genesis)",
                "consensus.checkpoint_interval: 32 — expected 64 as in /g.json (chain-wide; omit it to use genesis)",
            ],
            GenesisAgreement.Check(new ConsensusSection { PipelineDepth = 4, CheckpointInterval = 32 }, genesis, "/g.json"));
    }
}
