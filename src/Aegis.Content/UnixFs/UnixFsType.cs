namespace Aegis.Content.UnixFs;

/// <summary>UnixFS Data.Type (ipfs/specs UNIXFS.md).</summary>
public enum UnixFsType
{
    Raw = 0,
    Directory = 1,
    File = 2,
    Metadata = 3,
    Symlink = 4,
    HamtShard = 5,
}
