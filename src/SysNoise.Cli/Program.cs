Console.WriteLine("sysnoise");
