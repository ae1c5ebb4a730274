using Aegis.Core.Consensus.Messages;

namespace Aegis.Core.Consensus;

/// <summary>
/// What a host calls, before a message enters its event loop, to turn it into a <see cref="VerifiedMessage"/>:
/// <see cref="MessageVerifier"/> in a node. The simulator wraps it to verify a broadcast once for all its receivers.
/// </summary>
public interface IMessageVerifier
{
    /// <summary>Returns the verified message, or null with <paramref name="error"/> saying why it was rejected.</summary>
    VerifiedMessage? Verify(ConsensusMessage message, out string? error);
}
