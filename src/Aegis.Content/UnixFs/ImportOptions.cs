namespace Aegis.Content.UnixFs;

/// <summary>How a file becomes blocks. The defaults are Kubo's for <c>ipfs add</c>, which is what makes the CIDs byte-identical.</summary>
public sealed record ImportOptions
{
    /// <summary>Kubo's default chunker: size-262144.</summary>
    public const int DefaultChunkSize = 256 * 1024;

    /// <summary>go-ipfs-chunker's ChunkSizeLimit: larger chunks would not fit bitswap's 2 MiB messages.</summary>
    public const int MaxChunkSize = 1024 * 1024;

    /// <summary>go-unixfs DefaultLinksPerBlock: 8 KiB of links at ~47 bytes each.</summary>
    public const int DefaultMaxLinks = 174;

    public int CidVersion { get; init; }

    public bool RawLeaves { get; init; }

    public int ChunkSize { get; init; } = DefaultChunkSize;

    public int MaxLinks { get; init; } = DefaultMaxLinks;

    /// <summary>Kubo's defaults for the given version: CIDv1 implies raw leaves unless the caller says otherwise.</summary>
    public static ImportOptions For(int cidVersion, bool? rawLeaves, int chunkSize = DefaultChunkSize) => new()
    {
        CidVersion = cidVersion,
        RawLeaves = rawLeaves ?? cidVersion == 1,
        ChunkSize = chunkSize,
    };
}
