namespace Aegis.Core.Consensus;

/// <summary>
/// A broken invariant of the protocol or of its host: two certified blocks at one height, a commit out of order, a
/// certificate below quorum, a message about to leave before what it promises is durable. Nothing that follows can be
/// trusted, so whoever catches this stops consensus for good and reports <see cref="Evidence"/> (fail-stop), instead
/// of carrying on from a state it cannot vouch for.
/// </summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException()
    {
    }

    public InvariantViolationException(string message)
        : base(message)
    {
    }

    public InvariantViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvariantViolationException(string message, Evidence evidence)
        : base(message) => Evidence = evidence;

    /// <summary>What proves the violation, when there is something to show (for a fork, the two conflicting sides).</summary>
    public Evidence? Evidence { get; }

    /// <summary>Throws unless <paramref name="condition"/> holds; <paramref name="message"/> is built only on failure.</summary>
    public static void Assert(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message());
        }
    }
}
