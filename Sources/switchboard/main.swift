import Foundation
import Host
exit(await SwitchboardCommand.main(Array(CommandLine.arguments.dropFirst())))
