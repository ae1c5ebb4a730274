namespace Aegis.Core.Consensus;

/// <summary>
/// Quorum math for n validators. f = ⌊(n−1)/3⌋ is the number of Byzantine faults tolerated. A quorum must make
/// any two quorums share at least f+1 members (so at least one honest one): q = ⌈(n+f+1)/2⌉, which is the familiar
/// 2f+1 when n = 3f+1 and stays safe for the other sizes (n = 5 needs 4, not 3).
/// </summary>
public readonly record struct Quorum(int N)
{
    public int F => (N - 1) / 3;

    public int Size => (N + F + 2) / 2;

    /// <summary>f+1 matching claims include at least one honest validator.</summary>
    public int Weak => F + 1;

    public bool IsQuorum(int votes) => votes >= Size;
}
