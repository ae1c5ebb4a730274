namespace Aegis.Core.Crypto;

/// <summary>
/// A signer whose private key lives in process memory and can be written to a key file. A separate interface (rather than a
/// member of <see cref="ISigner"/>) so that a future signer backed by an HSM or KMS can be an <see cref="ISigner"/> without
/// pretending it can export.
/// </summary>
public interface IExportableSigner : ISigner
{
    /// <summary>The raw private key in the form <see cref="Signers.FromPrivateKey"/> accepts; a fresh copy the caller should clear when done.</summary>
    byte[] ExportPrivateKey();
}
