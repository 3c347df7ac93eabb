fn main() -> std::process::ExitCode {
    tgw_generic_rk::run::main()
}
