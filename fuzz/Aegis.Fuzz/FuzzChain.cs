using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Simulation;

namespace Aegis.Fuzz;

/// <summary>
/// The chain every target and seed shares: four validators with the simulator's fixed keys, so a seed signed by the
/// seed writer verifies in the targets and certificate checks run on real signatures rather than stopping early.
/// </summary>
public static class FuzzChain
{
    public const string ChainId = "test-chain";

    public static ConsensusParameters Parameters { get; } = new() { CheckpointInterval = 4, PipelineDepth = 2 };

    private static readonly Lazy<(Genesis Genesis, ISigner[] Signers)> Chain = new(() =>
    {
        ISigner[] signers = SimKeys.For(4);
        var validators = new ValidatorSet([.. signers.Select((s, i) => new Validator((ushort)i, $"node-{i}", s.PublicKey, $"127.0.0.1:{26600 + (10 * i)}"))]);
        return (new Genesis(ChainId, 1_700_000_000_000, validators, Parameters), signers);
    });

    public static Genesis Genesis => Chain.Value.Genesis;

    public static ISigner Signer(int index) => Chain.Value.Signers[index];
}
