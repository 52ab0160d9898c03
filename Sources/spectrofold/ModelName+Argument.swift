import ArgumentParser
import ModelNames

/// `--model NAME`: ArgumentParser refuses any other name and lists the four.
extension ModelName: ExpressibleByArgument {}
