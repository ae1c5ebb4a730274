using Aegis.Core.Crypto;
using Aegis.Storage;

namespace Aegis.Node.Configuration;

/// <summary>The one mapping from config.yaml (<c>storage</c>, <c>node.data_dir</c>) to the store's options.</summary>
public static class ConfigStorage
{
    public static StorageOptions ToStorageOptions(this AegisConfig config, Hash32? genesisHash = null) => new()
    {
        Type = config.Storage.Type,
        DataDirectory = config.Node.DataDir,
        ConnectionString = config.Storage.ConnectionString,
        Schema = string.IsNullOrEmpty(config.Storage.Schema) ? null : config.Storage.Schema,
        GenesisHash = genesisHash,
    };
}
