using System.Text.Json.Serialization;

namespace Aegis.Core.Crypto;

/// <summary>
/// The JSON shape of a key file. Property names are spelled out rather than derived by a naming policy so that renaming a C#
/// property can never silently change the on-disk format. All fields are nullable: presence is checked by <see cref="KeyFileFormat"/>,
/// which can then say which field is missing.
/// </summary>
internal sealed class KeyFileDocument
{
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("private_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PrivateKey { get; set; }

    [JsonPropertyName("public_key")]
    public string? PublicKey { get; set; }

    /// <summary>Instead of private_key when the file is encrypted (see <see cref="KeyFileEncryption"/>).</summary>
    [JsonPropertyName("encrypted_private_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EncryptedKeyDocument? EncryptedPrivateKey { get; set; }
}

// Source-generated so that reading a key file needs no reflection (trimming and AOT stay possible for the CLI).
[JsonSerializable(typeof(KeyFileDocument))]
internal sealed partial class KeyFileJsonContext : JsonSerializerContext;
