using System.Buffers.Binary;
using System.Text;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Tun;

/// <summary>
/// A TUN interface from /dev/net/tun (ioctl TUNSETIFF, IFF_TUN | IFF_NO_PI: bare IPv4 packets, no header), with its
/// address, netmask, MTU and up flag set by ioctls on an AF_INET socket, as iproute2 would. Needs CAP_NET_ADMIN.
/// The descriptor is non-blocking: the reader drains every packet that is ready into one batch, then waits in poll().
/// </summary>
public sealed unsafe class TunDevice : ITunWriter, IDisposable
{
    private const nuint TUNSETIFF = 0x400454ca;
    private const nuint SIOCGIFFLAGS = 0x8913;
    private const nuint SIOCSIFFLAGS = 0x8914;
    private const nuint SIOCSIFADDR = 0x8916;
    private const nuint SIOCSIFNETMASK = 0x891c;
    private const nuint SIOCSIFMTU = 0x8922;
    private const short IFF_TUN = 0x0001;
    private const short IFF_NO_PI = 0x1000;
    private const short IFF_UP = 0x1;
    private const short IFF_RUNNING = 0x40;
    private const int IfReqSize = 40;

    private int _fd;

    private TunDevice(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    public string Name { get; }

    public bool IsUp { get; private set; }

    public static TunDevice Create(string name)
    {
        int fd = Libc.Open("/dev/net/tun", Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"cannot open /dev/net/tun: {Libc.Describe(Libc.Errno)} (AegisRay needs CAP_NET_ADMIN for its TUN device)");
        }

        byte* ifr = stackalloc byte[IfReqSize];
        new Span<byte>(ifr, IfReqSize).Clear();
        WriteName(ifr, name);
        *(short*)(ifr + 16) = IFF_TUN | IFF_NO_PI;
        if (Libc.Ioctl(fd, TUNSETIFF, ifr) < 0)
        {
            int errno = Libc.Errno;
            Libc.Close(fd);
            throw new IOException($"TUNSETIFF {name}: {Libc.Describe(errno)}");
        }

        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        return new TunDevice(fd, name);
    }

    /// <summary>Sets the mesh address and prefix (the kernel then routes the mesh network here), the MTU, and brings the link up.</summary>
    public void Configure(IPv4Network address, int mtu)
    {
        int sock = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (sock < 0)
        {
            throw new IOException($"socket for interface setup: {Libc.Describe(Libc.Errno)}");
        }

        try
        {
            byte* ifr = stackalloc byte[IfReqSize];
            Request(sock, ifr, SIOCSIFADDR, "address", r => SockAddr(r + 16, address.Address));
            Request(sock, ifr, SIOCSIFNETMASK, "netmask", r => SockAddr(r + 16, address.Mask));
            Request(sock, ifr, SIOCSIFMTU, "mtu", r => *(int*)(r + 16) = mtu);
            Request(sock, ifr, SIOCGIFFLAGS, "flags", _ => { });
            short current = *(short*)(ifr + 16);
            Request(sock, ifr, SIOCSIFFLAGS, "up", r => *(short*)(r + 16) = (short)(current | IFF_UP | IFF_RUNNING));
            IsUp = true;
        }
        finally
        {
            Libc.Close(sock);
        }
    }

    /// <summary>Reads one packet; 0 when none is ready (non-blocking), -1 once closed.</summary>
    public int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n = Libc.Read(_fd, p, buffer.Length);
            if (n >= 0)
            {
                return (int)n;
            }

            int errno = Libc.Errno;
            return errno is Libc.EAGAIN or Libc.EINTR ? 0 : -1;
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a packet to be ready.</summary>
    public bool WaitReadable(int timeoutMs)
    {
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        return Libc.Poll(&pfd, 1, timeoutMs) > 0;
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* p = packet)
        {
            // A full TUN queue (EAGAIN) drops the packet, as a congested link would; TCP above recovers.
            Libc.Write(_fd, p, packet.Length);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
    }

    private delegate void Fill(byte* ifr);

    private void Request(int sock, byte* ifr, nuint request, string what, Fill fill)
    {
        new Span<byte>(ifr + 16, IfReqSize - 16).Clear();
        WriteName(ifr, Name);
        fill(ifr);
        if (Libc.Ioctl(sock, request, ifr) < 0)
        {
            throw new IOException($"{Name}: setting the {what} failed: {Libc.Describe(Libc.Errno)}");
        }
    }

    private static void SockAddr(byte* at, uint address)
    {
        var span = new Span<byte>(at, 16);
        span.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(span, Libc.AF_INET);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], address);
    }

    private static void WriteName(byte* ifr, string name)
    {
        var span = new Span<byte>(ifr, 16);
        span.Clear();
        Encoding.ASCII.GetBytes(name, span[..Math.Min(name.Length, 15)]);
    }
}
