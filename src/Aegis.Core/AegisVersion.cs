namespace Aegis.Core; public static class AegisVersion { public const string Value = "0.1.0"; }
