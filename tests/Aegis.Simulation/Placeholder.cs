namespace Aegis.Simulation; internal static class Placeholder { }
