using Aegis.Mesh.Engine;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Transport;

namespace Aegis.Mesh.Tests.Transport;

/// <summary>
/// The batched UDP socket on 127.0.0.1 (ports chosen by the kernel): a burst of equal-size datagrams with a shorter last
/// one and a packet to another endpoint, with and without the segmentation offloads, arrives complete, in order and
/// byte for byte after <see cref="ReceiveBatch.SegmentSize"/> splits any train.
/// </summary>
public sealed class UdpSocketTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_flushed_burst_arrives_whole_and_in_order(bool offload)
    {
        using var receiver = new UdpSocket("127.0.0.1", 0, 2048, offload);
        using var other = new UdpSocket("127.0.0.1", 0, 2048, offload);
        using var sender = new UdpSocket("127.0.0.1", 0, 2048, offload);
        var to = new UdpEndpoint(IPv4Network.FromIPAddress(System.Net.IPAddress.Loopback), receiver.LocalPort);
        var elsewhere = new UdpEndpoint(to.Address, other.LocalPort);
        var sent = new List<byte[]>();
        var thread = new Thread(() =>
        {
            sender.BeginBatching();
            for (int i = 0; i < 40; i++)
            {
                byte[] packet = Packet(i, i == 39 ? 300 : 1332);
                sent.Add(packet);
                sender.Send(to, packet);
                if (i == 20)
                {
                    sender.Send(elsewhere, Packet(99, 1332));
                }
            }

            sender.Flush();
        });
        thread.Start();
        thread.Join();

        var received = new List<byte[]>();
        using ReceiveBatch batch = receiver.CreateReceiveBatch();
        for (int attempt = 0; attempt < 20 && received.Count < sent.Count; attempt++)
        {
            int n = receiver.Receive(batch);
            for (int i = 0; i < n; i++)
            {
                Assert.False(batch.Truncated(i));
                ReadOnlySpan<byte> train = batch.Packet(i);
                int segment = batch.SegmentSize(i) is > 0 and var s ? s : train.Length;
                for (int offset = 0; offset < train.Length; offset += segment)
                {
                    received.Add(train.Slice(offset, Math.Min(segment, train.Length - offset)).ToArray());
                }
            }
        }

        Assert.Equal(sent.Count, received.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], received[i]);
        }

        using ReceiveBatch otherBatch = other.CreateReceiveBatch();
        Assert.Equal(1, other.Receive(otherBatch));
        Assert.Equal(Packet(99, 1332), otherBatch.Packet(0).ToArray());
    }

    private static byte[] Packet(int index, int length)
    {
        var packet = new byte[length];
        for (int i = 0; i < length; i++)
        {
            packet[i] = (byte)(index * 31 + i);
        }

        return packet;
    }
}
