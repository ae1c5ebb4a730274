using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Tun;

namespace Aegis.Mesh.Transport;

/// <summary>
/// The UDP data path: a raw socket driven with sendmmsg/recvmmsg and the kernel's UDP segmentation offloads. A thread
/// that opts into batching (<see cref="BeginBatching"/>: the TUN reader, the UDP reader) queues its sends in a
/// per-thread batch that it flushes at the end of each burst; any other thread sends at once. At a flush, runs of
/// packets to one endpoint with one size (the last may be shorter: a TCP bulk transfer's segments) leave as ONE
/// datagram train with UDP_SEGMENT (GSO), and the socket asks for UDP_GRO, so such a train crosses the underlay stack
/// (veth, bridge, netfilter, routing) as one buffer instead of one per packet and arrives in one recvmmsg slot, which
/// <see cref="ReceiveBatch.SegmentSize"/> splits again. Measured (bench/compare-nebula.sh, see bench/README.md): the
/// kernel's per-packet underlay work was most of both data-path threads' time (perf, cpu-clock samples: libcrypto ~5 %,
/// managed code ~1 %, kernel ~90 %). Buffers are native and allocated once.
/// </summary>
public sealed unsafe class UdpSocket : IUdpSender, IDisposable
{
    public const int BatchSize = 64;

    /// <summary>Receive slots when GRO is on: each holds a whole coalesced train (up to 64 KiB).</summary>
    public const int GroBatchSize = 16;

    /// <summary>Largest UDP payload in one IPv4 datagram train (65,535 − IP and UDP headers).</summary>
    private const int MaxGsoBytes = 65507;

    [ThreadStatic]
    private static SendBatch? t_batch;

    private readonly int _slotSize;
    private int _fd;
    private volatile bool _gso;

    public UdpSocket(string host, ushort port, int slotSize, bool offload = true)
    {
        _slotSize = slotSize;
        _gso = offload;
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
        int on = 1;
        // Linux ≥ 5.0; without it every datagram arrives on its own, as before.
        Gro = offload && Libc.SetSockOpt(_fd, Libc.SOL_UDP, Libc.UDP_GRO, &on, 4) == 0;
        Libc.SockAddrIn address = Address(new UdpEndpoint(Pki.IPv4Network.FromIPAddress(System.Net.IPAddress.Parse(host)), port));
        if (Libc.Bind(_fd, &address, (uint)sizeof(Libc.SockAddrIn)) < 0)
        {
            int errno = Libc.Errno;
            Libc.Close(_fd);
            throw new IOException($"udp bind {host}:{port}: {Libc.Describe(errno)}");
        }
    }

    /// <summary>The bound port (the kernel's choice when the socket was bound to port 0).</summary>
    public ushort LocalPort
    {
        get
        {
            Libc.SockAddrIn address = default;
            uint length = (uint)sizeof(Libc.SockAddrIn);
            return Libc.GetSockName(_fd, &address, &length) == 0 ? Endpoint(address).Port : throw new IOException($"getsockname: {Libc.Describe(Libc.Errno)}");
        }
    }

    /// <summary>True when the kernel may hand one receive slot a coalesced train of datagrams (UDP_GRO accepted).</summary>
    public bool Gro { get; }

    /// <summary>A receive batch sized for this socket: whole 64 KiB trains with GRO, single datagrams without.</summary>
    public ReceiveBatch CreateReceiveBatch() => Gro ? new ReceiveBatch(Wire.MaxPacketSize + 1, GroBatchSize) : new ReceiveBatch(_slotSize, BatchSize);

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
        int next = 0;
        while (next < batch.Count)
        {
            int messages = batch.Group(next, _gso, MaxGsoBytes);
            int n = Libc.SendMMsg(_fd, batch.Messages, (uint)messages, 0);
            if (n < 0 && _gso && Libc.Errno is Libc.EIO or Libc.EINVAL && batch.FirstIsTrain)
            {
                // No segmentation offload on this route (EIO: the device cannot checksum; EINVAL: a segment above the
                // path MTU): send single datagrams from now on.
                _gso = false;
                continue;
            }

            if (n <= 0)
            {
                // ENOBUFS/EAGAIN under overload: the rest of the batch is dropped, as a full link would.
                break;
            }

            next = batch.PacketsBefore(n);
        }

        batch.Count = 0;
    }

    /// <summary>Receives up to <see cref="ReceiveBatch.Capacity"/> datagrams or trains (waiting up to 0.5 s for the first); -1 once closed.</summary>
    public int Receive(ReceiveBatch batch)
    {
        batch.Reset();
        int n = Libc.RecvMMsg(_fd, batch.Messages, (uint)batch.Capacity, Libc.MSG_WAITFORONE, null);
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
        private readonly byte* _control;
        private readonly int* _groupEnd;

        public SendBatch(int slotSize)
        {
            _slotSize = slotSize;
            _data = (byte*)NativeMemory.Alloc((nuint)(slotSize * BatchSize));
            _addresses = (Libc.SockAddrIn*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.SockAddrIn) * BatchSize));
            _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.IoVec) * BatchSize));
            _control = (byte*)NativeMemory.AllocZeroed((nuint)(Libc.CmsgSpace4 * BatchSize));
            _groupEnd = (int*)NativeMemory.AllocZeroed((nuint)(sizeof(int) * BatchSize));
            Messages = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.MMsgHdr) * BatchSize));
            for (int i = 0; i < BatchSize; i++)
            {
                _iov[i].Base = _data + (i * slotSize);
                var cmsg = (Libc.CmsgHdr*)(_control + (i * Libc.CmsgSpace4));
                cmsg->Length = Libc.CmsgDataOffset + sizeof(ushort);
                cmsg->Level = Libc.SOL_UDP;
                cmsg->Type = Libc.UDP_SEGMENT;
            }
        }

        // Lives as long as its thread (one per data-path thread), so the native memory is never freed; it is a few hundred KiB.
        public Libc.MMsgHdr* Messages { get; }

        public int Count { get; set; }

        /// <summary>True when the first message of the last <see cref="Group"/> is a train of several datagrams.</summary>
        public bool FirstIsTrain { get; private set; }

        public void Add(UdpEndpoint to, ReadOnlySpan<byte> packet)
        {
            int i = Count++;
            packet.CopyTo(new Span<byte>(_data + (i * _slotSize), _slotSize));
            _iov[i].Length = (nuint)packet.Length;
            _addresses[i] = Address(to);
        }

        /// <summary>
        /// Fills <see cref="Messages"/> from packet <paramref name="first"/> on: with <paramref name="gso"/>, one message
        /// per run of packets to one endpoint whose sizes equal the run's first (the last may be shorter), with a
        /// UDP_SEGMENT control message; otherwise one message per packet. Returns the number of messages.
        /// </summary>
        public int Group(int first, bool gso, int maxBytes)
        {
            int messages = 0;
            int i = first;
            FirstIsTrain = false;
            while (i < Count)
            {
                int start = i;
                nuint segment = _iov[i].Length;
                nuint total = segment;
                i++;
                while (gso && i < Count && total + _iov[i].Length <= (nuint)maxBytes && _iov[i].Length <= segment && SameEndpoint(_addresses[i], _addresses[start]))
                {
                    total += _iov[i].Length;
                    i++;
                    if (_iov[i - 1].Length < segment)
                    {
                        break;
                    }
                }

                ref Libc.MsgHdr header = ref Messages[messages].Header;
                header.Name = &_addresses[start];
                header.NameLength = (uint)sizeof(Libc.SockAddrIn);
                header.Iov = &_iov[start];
                header.IovLength = (nuint)(i - start);
                header.Flags = 0;
                if (i - start > 1)
                {
                    byte* control = _control + (messages * Libc.CmsgSpace4);
                    *(ushort*)(control + Libc.CmsgDataOffset) = (ushort)segment;
                    header.Control = control;
                    header.ControlLength = Libc.CmsgSpace4;
                    FirstIsTrain |= messages == 0;
                }
                else
                {
                    header.Control = null;
                    header.ControlLength = 0;
                }

                _groupEnd[messages] = i;
                messages++;
            }

            return messages;
        }

        /// <summary>The packet index after the first <paramref name="messages"/> messages of the last <see cref="Group"/>.</summary>
        public int PacketsBefore(int messages) => _groupEnd[messages - 1];

        private static bool SameEndpoint(in Libc.SockAddrIn a, in Libc.SockAddrIn b) => a.AddressBigEndian == b.AddressBigEndian && a.PortBigEndian == b.PortBigEndian;
    }
}

/// <summary>
/// Native buffers for one receiving thread's recvmmsg calls. With UDP_GRO a slot may hold a train of datagrams that
/// the kernel coalesced: <see cref="SegmentSize"/> says how to split it.
/// </summary>
public sealed unsafe class ReceiveBatch : IDisposable
{
    private const int ControlSize = 32;
    private readonly int _slotSize;
    private readonly byte* _data;
    private readonly Libc.SockAddrIn* _addresses;
    private readonly Libc.IoVec* _iov;
    private readonly byte* _control;

    public ReceiveBatch(int slotSize, int capacity = UdpSocket.BatchSize)
    {
        _slotSize = slotSize;
        Capacity = capacity;
        // Pages are touched only as datagrams fill them: an idle node's slots cost address space, not memory.
        _data = (byte*)NativeMemory.Alloc((nuint)((long)slotSize * capacity));
        _addresses = (Libc.SockAddrIn*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.SockAddrIn) * capacity));
        _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.IoVec) * capacity));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(ControlSize * capacity));
        Messages = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(sizeof(Libc.MMsgHdr) * capacity));
        for (int i = 0; i < capacity; i++)
        {
            _iov[i].Base = _data + ((long)i * slotSize);
            _iov[i].Length = (nuint)slotSize;
            Messages[i].Header.Iov = &_iov[i];
            Messages[i].Header.IovLength = 1;
            Messages[i].Header.Name = &_addresses[i];
            Messages[i].Header.Control = _control + (i * ControlSize);
        }
    }

    public int Capacity { get; }

    internal Libc.MMsgHdr* Messages { get; }

    internal void Reset()
    {
        for (int i = 0; i < Capacity; i++)
        {
            Messages[i].Header.NameLength = (uint)sizeof(Libc.SockAddrIn);
            Messages[i].Header.ControlLength = ControlSize;
            Messages[i].Header.Flags = 0;
            Messages[i].Length = 0;
        }
    }

    public ReadOnlySpan<byte> Packet(int i) => new(_data + ((long)i * _slotSize), (int)Math.Min(Messages[i].Length, (uint)_slotSize));

    /// <summary>True when datagram <paramref name="i"/> was longer than a slot (MSG_TRUNC): it is dropped, never half-read.</summary>
    public bool Truncated(int i) => (Messages[i].Header.Flags & Libc.MSG_TRUNC) != 0;

    /// <summary>
    /// The size of each datagram in slot <paramref name="i"/> when the kernel coalesced several (UDP_GRO; the last may be
    /// shorter), or 0 when the slot holds one datagram.
    /// </summary>
    public int SegmentSize(int i)
    {
        ref Libc.MsgHdr header = ref Messages[i].Header;
        nuint length = header.ControlLength;
        nuint offset = 0;
        while (offset + Libc.CmsgDataOffset + sizeof(int) <= length)
        {
            var cmsg = (Libc.CmsgHdr*)((byte*)header.Control + offset);
            if (cmsg->Length < Libc.CmsgDataOffset)
            {
                break;
            }

            if (cmsg->Level == Libc.SOL_UDP && cmsg->Type == Libc.UDP_GRO)
            {
                return *(int*)((byte*)cmsg + Libc.CmsgDataOffset);
            }

            offset += (cmsg->Length + 7) & ~(nuint)7;
        }

        return 0;
    }

    public UdpEndpoint Source(int i) => UdpSocket.Endpoint(_addresses[i]);

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_control);
        NativeMemory.Free(Messages);
    }
}
