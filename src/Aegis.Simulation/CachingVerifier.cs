using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;

namespace Aegis.Simulation;

/// <summary>
/// The production <see cref="MessageVerifier"/>, run once per decoded message: a broadcast reaches all its receivers as
/// one decoded object, and its signatures are as valid for the third receiver as for the first. Keeps a run's crypto
/// bill at one verification per message instead of one per hop; what each host does with the verdict is unchanged.
/// </summary>
public sealed class CachingVerifier(Genesis genesis) : IMessageVerifier
{
    private readonly MessageVerifier _inner = new(genesis);
    private readonly Dictionary<ConsensusMessage, (VerifiedMessage? Verified, string? Error)> _cache = new(ReferenceEqualityComparer.Instance);

    public VerifiedMessage? Verify(ConsensusMessage message, out string? error)
    {
        if (!_cache.TryGetValue(message, out (VerifiedMessage? Verified, string? Error) verdict))
        {
            verdict.Verified = _inner.Verify(message, out verdict.Error);
            _cache[message] = verdict;
        }

        error = verdict.Error;
        return verdict.Verified;
    }
}
