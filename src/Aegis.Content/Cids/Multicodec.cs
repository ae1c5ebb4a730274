namespace Aegis.Content.Cids;

/// <summary>The multicodec codes this store speaks (table: github.com/multiformats/multicodec, table.csv).</summary>
public static class Multicodec
{
    public const ulong Identity = 0x00;
    public const ulong Sha256 = 0x12;
    public const ulong Raw = 0x55;
    public const ulong DagPb = 0x70;
    public const ulong Libp2pKey = 0x72;

    public static string Name(ulong code) => code switch
    {
        Raw => "raw",
        DagPb => "dag-pb",
        Libp2pKey => "libp2p-key",
        _ => $"0x{code:x}",
    };

    /// <summary>Kubo's names for <c>cid-codec</c>/<c>format</c> arguments; null when unsupported here.</summary>
    public static ulong? Parse(string name) => name switch
    {
        "raw" => Raw,
        "dag-pb" or "protobuf" or "v0" => DagPb,
        _ => null,
    };
}
