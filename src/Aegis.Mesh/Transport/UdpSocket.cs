using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Tun;

namespace Aegis.Mesh.Transport;

/// <summary>
/// The UDP data path: a raw socket driven with recvmmsg/sendmmsg, so a burst of packets costs one system call per
/// batch instead of one each. A thread that opts into batching (<see cref="BeginBatching"/>: the TUN reader, the UDP
/// reader) queues its sends in a per-thread batch that it flushes at the end of each burst; any other thread sends at
/// once. Buffers are native and allocated once.
/// </summary>
public sealed unsafe class UdpSocket : IUdpSender, IDisposable
{
    public const int BatchSize = 64;

    [ThreadStatic]
    private static SendBatch? t_batch;

    private readonly int _slotSize;
    private int _fd;

    public UdpSocket(string host, ushort port, int slotSize)
    {
        _slotSize = slotSize;
        _fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (_fd < 0)
        {
            throw new IOException($"udp socket: {Libc.Describe(Libc.Errno)}");
        }

        // 4 MiB each way absorbs a burst while the reader is descheduled; the kernel caps it at net.core.*mem_max.
        int size = 4 << 20;
        Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &size, 4);
        Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, &size, 4);
        var timeout = new Libc.TimeVal { Seconds = 0, Microseconds = 500_000 };
        Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, &timeout, (uint)sizeof(Libc.TimeVal));
        Libc.SockAddrIn address = Address(new UdpEndpoint(Pki.IPv4Network.FromIPAddress(System.Net.IPAddress.Parse(host)), port));
        if (Libc.Bind(_fd, &address, (uint)sizeof(Libc.SockAddrIn)) < 0)
        {
            int errno = Libc.Errno;
            Libc.Close(_fd);
            throw new IOException($"udp bind {host}:{port}: {Libc.Describe(errno)}");
        }
    }

    /// <summary>The calling thread queues its sends from now on and must call <see cref="Flush"/> after each burst.</summary>
    public void BeginBatching() => t_batch ??= new SendBatch(_slotSize);

    public void Send(UdpEndpoint to, ReadOnlySpan<byte> packet)
    {
        SendBatch? batch = t_batch;
        if (batch is null || packet.Length > _slotSize)
        {
            Libc.SockAddrIn address = Address(to);
            fixed (byte* p = packet)
            {
                Libc.SendTo(_fd, p, packet.Length, 0, &address, (uint)sizeof(Libc.SockAddrIn));
            }

            return;
        }

        if (batch.Count == BatchSize)
        {
            FlushBatch(batch);
        }

        batch.Add(to, packet);
    }

    public void Flush()
    {
        if (t_batch is { Count: > 0 } batch)
        {
            FlushBatch(batch);
        }
    }

    private void FlushBatch(SendBatch batch)
    {
        int sent = 0;
        while (sent < batch.Count)
        {
            int n = Libc.SendMMsg(_fd, batch.Messages + sent, (uint)(batch.Count - sent), 0);
            if (n <= 0)
            {
                // ENOBUFS/EAGAIN under overload: the rest of the batch is dropped, as a full link would.
                break;
            }

            sent += n;
        }

        batch.Count = 0;
    }

    /// <summary>Receives up to <see cref="BatchSize"/> datagrams (waiting up to 0.5 s for the first); -1 once closed.</summary>
    public int Receive(ReceiveBatch batch)
    {
        for (int i = 0; i < BatchSize; i++)
        {
            batch.Messages[i].Header.NameLength = (uint)sizeof(Libc.SockAddrIn);
            batch.Messages[i].Length = 0;
        }

        int n = Libc.RecvMMsg(_fd, batch.Messages, BatchSize, Libc.MSG_WAITFORONE, null);
        if (n >= 0)
        {
            return n;
        }

        int errno = Libc.Errno;
        return errno is Libc.EAGAIN or Libc.EINTR ? 0 : _fd < 0 ? -1 : 0;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
    }

    internal static Libc.SockAddrIn Address(UdpEndpoint e) => new()
    {
        Family = Libc.AF_INET,
        PortBigEndian = BinaryPrimitives.ReverseEndianness(e.Port),
        AddressBigEndian = BinaryPrimitives.ReverseEndianness(e.Address),
    };

    internal static UdpEndpoint Endpoint(in Libc.SockAddrIn a) =>
        new(BinaryPrimitives.ReverseEndianness(a.AddressBigEndian), BinaryPrimitives.ReverseEndianness(a.PortBigEndian));

    private sealed class SendBatch
    {
        private readonly int _slotSize;
        private readonly byte* _data;
        private readonly Libc.SockAddrIn* _addresses;
        private readonly Libc.IoVec* _iov;

        public SendBatch(int slotSize)
        {
            _slotSize = slotSize;
            _data = (byte*)NativeMemory.Alloc((nuint)(slotSize * BatchSize));
            _addresses = (Libc.SockAddrIn*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.SockAddrIn) * BatchSize));
            _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.IoVec) * BatchSize));
            Messages = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.MMsgHdr) * BatchSize));
            for (int i = 0; i < BatchSize; i++)
            {
                _iov[i].Base = _data + (i * slotSize);
                Messages[i].Header.Iov = &_iov[i];
                Messages[i].Header.IovLength = 1;
                Messages[i].Header.Name = &_addresses[i];
                Messages[i].Header.NameLength = (uint)sizeof(Libc.SockAddrIn);
            }
        }

        // Lives as long as its thread (one per data-path thread), so the native memory is never freed; it is a few hundred KiB.
        public Libc.MMsgHdr* Messages { get; }

        public int Count { get; set; }

        public void Add(UdpEndpoint to, ReadOnlySpan<byte> packet)
        {
            int i = Count++;
            packet.CopyTo(new Span<byte>(_data + (i * _slotSize), _slotSize));
            _iov[i].Length = (nuint)packet.Length;
            _addresses[i] = Address(to);
        }
    }
}

/// <summary>Native buffers for one receiving thread's recvmmsg calls.</summary>
public sealed unsafe class ReceiveBatch : IDisposable
{
    private readonly int _slotSize;
    private readonly byte* _data;
    private readonly Libc.SockAddrIn* _addresses;
    private readonly Libc.IoVec* _iov;

    public ReceiveBatch(int slotSize)
    {
        _slotSize = slotSize;
        _data = (byte*)NativeMemory.Alloc((nuint)(slotSize * UdpSocket.BatchSize));
        _addresses = (Libc.SockAddrIn*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.SockAddrIn) * UdpSocket.BatchSize));
        _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.IoVec) * UdpSocket.BatchSize));
        Messages = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.MMsgHdr) * UdpSocket.BatchSize));
        for (int i = 0; i < UdpSocket.BatchSize; i++)
        {
            _iov[i].Base = _data + (i * slotSize);
            _iov[i].Length = (nuint)slotSize;
            Messages[i].Header.Iov = &_iov[i];
            Messages[i].Header.IovLength = 1;
            Messages[i].Header.Name = &_addresses[i];
        }
    }

    internal Libc.MMsgHdr* Messages { get; }

    public ReadOnlySpan<byte> Packet(int i) => new(_data + (i * _slotSize), (int)Math.Min(Messages[i].Length, (uint)_slotSize));

    /// <summary>True when datagram <paramref name="i"/> was longer than a slot (MSG_TRUNC): it is dropped, never half-read.</summary>
    public bool Truncated(int i) => (Messages[i].Header.Flags & 0x20) != 0;

    public UdpEndpoint Source(int i) => UdpSocket.Endpoint(_addresses[i]);

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_iov);
        NativeMemory.Free(Messages);
    }
}
