using Aegis.Core.Consensus;

namespace Aegis.Core.Tests.Consensus;

public class QuorumTests
{
    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 0, 2)]
    [InlineData(3, 0, 2)]
    [InlineData(4, 1, 3)]
    [InlineData(5, 1, 4)]
    [InlineData(6, 1, 4)]
    [InlineData(7, 2, 5)]
    [InlineData(10, 3, 7)]
    [InlineData(100, 33, 67)]
    public void Fault_tolerance_and_quorum_size(int n, int f, int quorum)
    {
        var q = new Quorum(n);
        Assert.Equal(f, q.F);
        Assert.Equal(quorum, q.Size);
        Assert.Equal(f + 1, q.Weak);
    }

    [Fact]
    public void Any_two_quorums_share_an_honest_member_and_the_honest_alone_form_a_quorum()
    {
        for (int n = 1; n <= 256; n++)
        {
            var q = new Quorum(n);
            Assert.True((2 * q.Size) - n >= q.F + 1, $"n={n}: two quorums of {q.Size} may share only faulty members");
            Assert.True(n - q.F >= q.Size, $"n={n}: the {n - q.F} honest validators cannot form a quorum of {q.Size}");
            Assert.True(q.Size == (2 * q.F) + 1 || n != (3 * q.F) + 1, $"n={n}: expected the classic 2f+1");
        }
    }
}
