using Aegis.Core.Consensus.Messages;

namespace Aegis.Core.Consensus;

/// <summary>
/// A message whose signatures (its own and every nested one) have been checked by <see cref="MessageVerifier"/>.
/// Only the verifier can make one, so the replica cannot be handed an unchecked message, while the expensive
/// checks can still run in parallel before the message enters the event loop.
/// </summary>
public sealed class VerifiedMessage
{
    internal VerifiedMessage(ConsensusMessage message) => Message = message;

    public ConsensusMessage Message { get; }
}
